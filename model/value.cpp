#include "model/value.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

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

const Value* Array::find(const Key& key) const {
  for (const auto& e : items) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

Value* Array::find(const Key& key) {
  for (auto& e : items) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

void Array::set(const Key& key, Value value) {
  if (Value* slot = find(key)) {
    *slot = std::move(value);
    return;
  }
  items.push_back(Entry{key, std::move(value)});
}

bool Array::erase(const Key& key) {
  auto it = std::find_if(items.begin(), items.end(), [&](const Entry& e) { return e.key == key; });
  if (it == items.end()) return false;
  items.erase(it);
  return true;
}

bool Array::push(Value value) {
  std::int64_t next = 0;
  for (const auto& e : items) {
    if (const auto* i = std::get_if<std::int64_t>(&e.key)) {
      if (*i == std::numeric_limits<std::int64_t>::max()) return false;
      if (*i >= next) next = *i + 1;
    }
  }
  // Built in place: moving a temporary Entry makes g++ 12 at -O3 warn that the key's string
  // alternative may be uninitialised (-Wmaybe-uninitialized), a false positive.
  Entry& added = items.emplace_back();
  added.key = next;
  added.value = std::move(value);
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
