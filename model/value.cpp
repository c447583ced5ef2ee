#include "model/value.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>
#include <unordered_map>

namespace ss::model {

Value::Value() = default;
Value::Value(std::monostate) {}
Value::Value(bool b) : v(b) {}
Value::Value(std::int64_t i) : v(i) {}
Value::Value(int i) : v(static_cast<std::int64_t>(i)) {}
Value::Value(double d) : v(d) {}
Value::Value(std::string s) : v(std::move(s)) {}
Value::Value(const char* s) : v(std::string(s)) {}
Value::Value(Array a) : v(std::move(a)) {}
Value::Value(Object o) : v(std::move(o)) {}
Value::Value(Reference r) : v(r) {}
// Values nest up to decode_depth_max (4096) levels. Copying, comparing, showing and destroying
// them walk the tree with an explicit stack instead of recursing, so that the depth costs heap,
// not stack (the recursive forms needed up to 8 MiB of stack under ASan: issue #14, D21).
Value::Value(const Value& other) : v(std::move(shallow_copy(other).v)) {
  struct Frame {
    const std::vector<Entry>* from;
    std::vector<Entry>* to;
  };
  std::vector<Frame> pending;
  if (const auto* from = entries_of(other)) pending.push_back({from, entries_of(*this)});
  while (!pending.empty()) {
    const Frame f = pending.back();
    pending.pop_back();
    // Reserved first, so that the addresses of the entries pushed stay valid while their own
    // frames wait on the stack.
    f.to->reserve(f.from->size());
    for (const Entry& e : *f.from) {
      f.to->push_back(Entry{e.key, Value(shallow_copy(e.value))});
      if (const auto* from = entries_of(e.value)) {
        pending.push_back({from, entries_of(f.to->back().value)});
      }
    }
  }
}
Value::Value(Value&&) noexcept = default;
// Copy, then move: the defaulted assignment would recurse through nested arrays.
Value& Value::operator=(const Value& other) {
  if (this != &other) *this = Value(other);
  return *this;
}
Value& Value::operator=(Value&&) noexcept = default;
// Nested containers are moved out into a work list first, so that each one is destroyed with
// its children already gone (see the copy constructor).
Value::~Value() {
  std::vector<Entry>* children = entries_of(*this);
  if (children == nullptr) return;
  std::vector<Value> doomed;
  auto detach = [&doomed](std::vector<Entry>& entries) {
    for (Entry& e : entries) {
      std::vector<Entry>* grand = entries_of(e.value);
      if (grand != nullptr && !grand->empty()) doomed.push_back(std::move(e.value));
    }
  };
  detach(*children);
  while (!doomed.empty()) {
    Value last = std::move(doomed.back());
    doomed.pop_back();
    detach(*entries_of(last));
  }
}

const std::vector<Entry>* entries_of(const Value& value) {
  if (const auto* a = std::get_if<Array>(&value.v)) return &a->items;
  if (const auto* o = std::get_if<Object>(&value.v)) return &o->props;
  return nullptr;
}

std::vector<Entry>* entries_of(Value& value) {
  if (auto* a = std::get_if<Array>(&value.v)) return &a->items;
  if (auto* o = std::get_if<Object>(&value.v)) return &o->props;
  return nullptr;
}

Value shallow_copy(const Value& value) {
  if (std::holds_alternative<Array>(value.v)) return Value(Array{});
  if (const auto* o = std::get_if<Object>(&value.v)) return Value(Object{o->class_name, {}});
  Value out;
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (!std::is_same_v<T, Array> && !std::is_same_v<T, Object>) out.v = x;
      },
      value.v);
  return out;
}

/// The hash index of a large array: where each key is, and PHP's next free integer key, for the
/// first `covered` entries of `items`. Entries appended to `items` since are folded in by
/// Array::index(); an erase drops the index (it is rebuilt on the next lookup).
struct Array::Index {
  std::unordered_map<Key, std::size_t> position;
  std::size_t covered = 0;
  /// max(integer keys) + 1, or 0 when there are none or all are negative.
  std::int64_t next_key = 0;
  /// An integer key is INT64_MAX: push() must fail.
  bool has_int_max = false;
};

Array::Array() = default;
Array::Array(const Array& other) : items(other.items) {}
Array::Array(Array&& other) noexcept = default;
Array& Array::operator=(const Array& other) {
  if (this != &other) {
    items = other.items;
    index_.reset();
  }
  return *this;
}
Array& Array::operator=(Array&& other) noexcept = default;
Array::~Array() = default;

Array::Index& Array::index() const {
  // Entries removed behind our back (items only ever shrinks through erase, which drops the
  // index): start over rather than trust stale positions.
  if (index_ == nullptr || index_->covered > items.size()) index_ = std::make_unique<Index>();
  Index& idx = *index_;
  for (; idx.covered < items.size(); ++idx.covered) {
    const Key& key = items[idx.covered].key;
    idx.position.try_emplace(key, idx.covered);
    if (const auto* i = std::get_if<std::int64_t>(&key)) {
      if (*i == std::numeric_limits<std::int64_t>::max()) idx.has_int_max = true;
      if (*i >= idx.next_key && !idx.has_int_max) idx.next_key = *i + 1;
    }
  }
  return idx;
}

std::optional<std::size_t> Array::position(const Key& key) const {
  if (items.size() < indexed_size_min) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].key == key) return i;
    }
    return std::nullopt;
  }
  const Index& idx = index();
  auto it = idx.position.find(key);
  if (it == idx.position.end()) return std::nullopt;
  return it->second;
}

const Value* Array::find(const Key& key) const {
  auto at = position(key);
  return at ? &items[*at].value : nullptr;
}

Value* Array::find(const Key& key) {
  auto at = position(key);
  return at ? &items[*at].value : nullptr;
}

void Array::set(const Key& key, Value value) {
  if (Value* slot = find(key)) {
    *slot = std::move(value);
    return;
  }
  items.push_back(Entry{key, std::move(value)});
}

bool Array::erase(const Key& key) {
  auto at = position(key);
  if (!at) return false;
  items.erase(items.begin() + static_cast<std::ptrdiff_t>(*at));
  index_.reset();
  return true;
}

bool Array::push(Value value) {
  std::int64_t next = 0;
  if (items.size() >= indexed_size_min) {
    const Index& idx = index();
    if (idx.has_int_max) return false;
    next = idx.next_key;
  } else {
    for (const auto& e : items) {
      if (const auto* i = std::get_if<std::int64_t>(&e.key)) {
        if (*i == std::numeric_limits<std::int64_t>::max()) return false;
        if (*i >= next) next = *i + 1;
      }
    }
  }
  // Built in place: moving a temporary Entry makes g++ 12 at -O3 warn that the key's string
  // alternative may be uninitialised (-Wmaybe-uninitialized), a false positive.
  Entry& added = items.emplace_back();
  added.key = next;
  added.value = std::move(value);
  return true;
}

bool Array::empty() const {
  return items.empty();
}

std::size_t Array::size() const {
  return items.size();
}

bool operator==(const Array& a, const Array& b) {
  return a.items == b.items;
}

bool operator==(const Object& a, const Object& b) {
  return a.class_name == b.class_name && a.props == b.props;
}

namespace {

/// a == b for everything but the entries of arrays and objects (their sizes and class names do
/// count): the comparison walks those itself.
bool shallow_equal(const Value& a, const Value& b) {
  if (a.v.index() != b.v.index()) return false;
  if (const auto* d = std::get_if<double>(&a.v)) {
    return std::bit_cast<std::uint64_t>(*d) == std::bit_cast<std::uint64_t>(std::get<double>(b.v));
  }
  if (const auto* x = std::get_if<Array>(&a.v)) return x->size() == std::get<Array>(b.v).size();
  if (const auto* o = std::get_if<Object>(&a.v)) {
    const Object& p = std::get<Object>(b.v);
    return o->class_name == p.class_name && o->props.size() == p.props.size();
  }
  return a.v == b.v;
}

}  // namespace

// Iterative, like the copy constructor: a stack of entry lists compared in step.
bool operator==(const Value& a, const Value& b) {
  struct Frame {
    const std::vector<Entry>* x;
    const std::vector<Entry>* y;
    std::size_t next = 0;
  };
  std::vector<Frame> pending;
  const Value* x = &a;
  const Value* y = &b;
  for (;;) {
    if (!shallow_equal(*x, *y)) return false;
    if (const auto* entries = entries_of(*x)) pending.push_back({entries, entries_of(*y)});
    x = nullptr;
    while (!pending.empty() && x == nullptr) {
      Frame& f = pending.back();
      if (f.next == f.x->size()) {
        pending.pop_back();
        continue;
      }
      const Entry& ex = (*f.x)[f.next];
      const Entry& ey = (*f.y)[f.next];
      ++f.next;
      if (ex.key != ey.key) return false;
      x = &ex.value;
      y = &ey.value;
    }
    if (x == nullptr) return true;
  }
}

Key normalise_key(const std::string& key) {
  // PHP treats a string as an integer key only when it is the canonical decimal form.
  if (key.empty() || key.size() > 20) return key;
  const bool neg = key[0] == '-';
  const std::string_view digits = std::string_view(key).substr(neg ? 1 : 0);
  if (digits.empty()) return key;
  if (digits.size() > 1 && digits[0] == '0') return key;
  if (neg && digits == "0") return key;
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(key.data(), key.data() + key.size(), out);
  if (ec != std::errc() || ptr != key.data() + key.size()) return key;
  return out;
}

namespace {

void quote(std::string& out, const std::string& s) {
  out += '\'';
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    if (c == '\0') {
      out += "\\0";
      continue;
    }
    out += c;
  }
  out += '\'';
}

/// One value, or the opening of an array or object (whose entries the caller then shows).
void show_shallow(std::string& out, const Value& value) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[64];
          auto r = std::to_chars(buf, buf + sizeof buf, x);
          out.append(buf, r.ptr);
        } else if constexpr (std::is_same_v<T, std::string>) {
          quote(out, x);
        } else if constexpr (std::is_same_v<T, Array>) {
          out += '[';
        } else if constexpr (std::is_same_v<T, Reference>) {
          out += x.object_handle ? "&r:" : "&R:";
          out += std::to_string(x.target);
        } else {
          out += x.class_name;
          out += " {";
        }
      },
      value.v);
}

// Iterative, like the copy constructor.
void show_into(std::string& out, const Value& root) {
  struct Frame {
    const std::vector<Entry>* entries;
    char close;
    std::size_t next = 0;
  };
  std::vector<Frame> pending;
  const Value* v = &root;
  while (v != nullptr) {
    show_shallow(out, *v);
    if (const auto* entries = entries_of(*v)) {
      pending.push_back({entries, std::holds_alternative<Array>(v->v) ? ']' : '}'});
    }
    v = nullptr;
    while (!pending.empty() && v == nullptr) {
      Frame& f = pending.back();
      if (f.next == f.entries->size()) {
        out += f.close;
        pending.pop_back();
        continue;
      }
      const Entry& e = (*f.entries)[f.next];
      if (f.next++ > 0) out += ", ";
      out += show(e.key);
      out += " => ";
      v = &e.value;
    }
  }
}

}  // namespace

std::string show(const Key& key) {
  if (const auto* i = std::get_if<std::int64_t>(&key)) return std::to_string(*i);
  std::string out;
  quote(out, std::get<std::string>(key));
  return out;
}

std::string show(const Value& value) {
  std::string out;
  show_into(out, value);
  return out;
}

}  // namespace ss::model
