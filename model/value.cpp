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
Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;
Value::~Value() = default;

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
  items.push_back(Entry{Key{next}, std::move(value)});
  return true;
}

bool Array::empty() const { return items.empty(); }

std::size_t Array::size() const { return items.size(); }

bool operator==(const Array& a, const Array& b) { return a.items == b.items; }

bool operator==(const Object& a, const Object& b) {
  return a.class_name == b.class_name && a.props == b.props;
}

bool operator==(const Value& a, const Value& b) {
  if (a.v.index() != b.v.index()) return false;
  if (const auto* d = std::get_if<double>(&a.v)) {
    return std::bit_cast<std::uint64_t>(*d) == std::bit_cast<std::uint64_t>(std::get<double>(b.v));
  }
  return a.v == b.v;
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

void show_into(std::string& out, const Value& value);

void show_entries(std::string& out, const std::vector<Entry>& items) {
  bool first = true;
  for (const auto& e : items) {
    if (!first) out += ", ";
    first = false;
    out += show(e.key);
    out += " => ";
    show_into(out, e.value);
  }
}

void show_into(std::string& out, const Value& value) {
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
          show_entries(out, x.items);
          out += ']';
        } else {
          out += x.class_name;
          out += " {";
          show_entries(out, x.props);
          out += '}';
        }
      },
      value.v);
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
