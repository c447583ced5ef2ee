#include "model/detail/engine_common.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

namespace ss::model {

void notice(Outcome& out, std::string message) {
  out.diagnostics.push_back(Diagnostic{Diagnostic::Level::notice, std::move(message)});
}

void warn(Outcome& out, std::string message) {
  out.diagnostics.push_back(Diagnostic{Diagnostic::Level::warning, std::move(message)});
}

namespace {

/// PHP 8's reading of a string in arithmetic: numeric (int or float, surrounding whitespace
/// allowed), leading-numeric (a warning), or not numeric at all (a TypeError).
struct NumericString {
  enum class Kind { numeric, leading, none } kind = Kind::none;
  Value value;
};

NumericString parse_numeric(const std::string& s) {
  const char* ws = " \t\n\r\v\f";
  const std::size_t begin = s.find_first_not_of(ws);
  if (begin == std::string::npos) return {};
  std::size_t end = begin;
  if (s[end] == '+' || s[end] == '-') ++end;
  const std::size_t digits_from = end;
  while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
  bool is_float = false;
  if (end < s.size() && s[end] == '.') {
    is_float = true;
    ++end;
    while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
  }
  if (end == digits_from || (is_float && end == digits_from + 1)) return {};
  if (end < s.size() && (s[end] == 'e' || s[end] == 'E')) {
    std::size_t e = end + 1;
    if (e < s.size() && (s[e] == '+' || s[e] == '-')) ++e;
    if (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) {
      is_float = true;
      while (e < s.size() && std::isdigit(static_cast<unsigned char>(s[e]))) ++e;
      end = e;
    }
  }
  const std::string text = s.substr(begin, end - begin);
  NumericString out;
  std::int64_t i = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (!is_float && ec == std::errc() && p == text.data() + text.size()) {
    out.value = Value{i};
  } else {
    out.value = Value{std::strtod(text.c_str(), nullptr)};
  }
  const bool rest_blank = s.find_first_not_of(ws, end) == std::string::npos;
  out.kind = rest_blank ? NumericString::Kind::numeric : NumericString::Kind::leading;
  return out;
}

/// The class PHP gives an object of $_SESSION: stdClass is stdClass; the scenarios' other classes
/// are ones PHP does not define, which unserialize() makes __PHP_Incomplete_Class (keeping the
/// name only for serialize()).
std::string class_of(const Object& o) {
  std::string lower = o.class_name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "stdclass" ? o.class_name : "__PHP_Incomplete_Class";
}

std::string type_name(const Value& v) {
  if (std::holds_alternative<Array>(v.v)) return "array";
  if (const auto* o = std::get_if<Object>(&v.v)) return class_of(*o);
  return "string";
}

/// `$x + 1` for the value PHP finds (null for a missing key).
Value plus_one(const Value& v, Outcome& out) {
  if (v.is_null()) return Value{std::int64_t{1}};
  if (const auto* b = std::get_if<bool>(&v.v)) return Value{std::int64_t{*b ? 2 : 1}};
  if (const auto* i = std::get_if<std::int64_t>(&v.v)) {
    if (*i == std::numeric_limits<std::int64_t>::max()) return Value{static_cast<double>(*i) + 1.0};
    return Value{*i + 1};
  }
  if (const auto* d = std::get_if<double>(&v.v)) return Value{*d + 1.0};
  if (const auto* s = std::get_if<std::string>(&v.v)) {
    NumericString n = parse_numeric(*s);
    if (n.kind == NumericString::Kind::leading) warn(out, "A non-numeric value encountered");
    if (n.kind != NumericString::Kind::none) return plus_one(n.value, out);
  }
  out.thrown = "TypeError: Unsupported operand types: " + type_name(v) + " + int";
  return v;
}

Outcome increment(const ScriptCall& call, Array& vars) {
  Outcome out;
  const Value* slot = vars.find(call.key);
  Value next = plus_one(slot ? *slot : Value{}, out);
  if (!out.thrown) vars.set(call.key, std::move(next));
  return out;
}

/// `$_SESSION[k][] = v`, with PHP 8.2's rules for what k already holds.
Outcome push(const ScriptCall& call, Array& vars) {
  Outcome out;
  Value* slot = vars.find(call.key);
  if (slot == nullptr || slot->is_null()) {
    vars.set(call.key, Value{Array{}});
    slot = vars.find(call.key);
  } else if (const auto* b = std::get_if<bool>(&slot->v); b && !*b) {
    out.diagnostics.push_back(Diagnostic{Diagnostic::Level::deprecated,
                                         "Automatic conversion of false to array is deprecated"});
    *slot = Value{Array{}};
  } else if (std::holds_alternative<std::string>(slot->v)) {
    out.thrown = "Error: [] operator not supported for strings";
    return out;
  } else if (const auto* o = std::get_if<Object>(&slot->v)) {
    out.thrown = "Error: Cannot use object of type " + class_of(*o) + " as array";
    return out;
  } else if (!std::holds_alternative<Array>(slot->v)) {
    out.thrown = "Error: Cannot use a scalar value as an array";
    return out;
  }
  if (!std::get<Array>(slot->v).push(call.value)) {
    out.thrown = "Error: Cannot add element to the array as the next element is already occupied";
  }
  return out;
}

}  // namespace

Outcome apply_array_op(const ScriptCall& call, bool active, std::optional<Array>& vars) {
  Outcome out;
  switch (call.op) {
    case Op::session_status: out.result = std::int64_t{active ? 2 : 1}; return out;
    case Op::session_unset:
      if (!active) {
        out.result = false;
        return out;
      }
      vars = Array{};
      out.result = true;
      return out;
    case Op::advance:
    case Op::yield:
    case Op::on_shutdown:
    case Op::session_register_shutdown: return out;
    case Op::exit_:
    case Op::fatal:
    case Op::exhaust_memory: out.ended = true; return out;
    case Op::throw_: out.thrown = "RuntimeException: " + call.text.value_or(""); return out;
    default: break;
  }
  if (call.op == Op::get) {
    if (vars) {
      if (const Value* v = vars->find(call.key)) out.result = *v;
    }
    return out;
  }
  // unset() never creates the $_SESSION array; assignments do.
  if (!vars && call.op == Op::unset) return out;
  if (!vars) vars = Array{};
  switch (call.op) {
    case Op::set: vars->set(call.key, call.value); return out;
    case Op::unset: vars->erase(call.key); return out;
    case Op::incr: return increment(call, *vars);
    case Op::push: return push(call, *vars);
    default: return out;
  }
}

std::optional<std::string> apply_start_options(RunOptions& opts,
                                               const std::map<std::string, std::string>& given) {
  for (const auto& [key, value] : given) {
    if (auto err = opts.set(key, value)) return err;
  }
  return std::nullopt;
}

namespace {

/// zend_ini_parse_bool(): "true", "yes", "on" (any case) or a number that is not 0.
bool ini_bool(std::string_view v) {
  std::string lower(v);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  return std::atoll(lower.c_str()) != 0;
}

/// ZEND_STRTOL(value, &end, 10) with the whole string consumed, as OnUpdateSidLength wants.
std::optional<std::int64_t> whole_number(std::string_view v) {
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

std::optional<std::string> ranged(std::int64_t& field, std::string_view key, std::string_view v,
                                  std::int64_t lo, std::int64_t hi) {
  const auto n = whole_number(v);
  if (!n || *n < lo || *n > hi) {
    return "session.configuration \"session." + std::string(key) + "\" must be between " +
           std::to_string(lo) + " and " + std::to_string(hi);
  }
  field = *n;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> php_ini_set(RunOptions& opts, std::string_view key,
                                       std::string_view value) {
  const std::string v(value);
  if (key == "lazy_write") opts.lazy_write = ini_bool(v);
  if (key == "use_strict_mode") opts.use_strict_mode = ini_bool(v);
  if (key == "use_cookies") opts.use_cookies = ini_bool(v);
  if (key == "use_only_cookies") opts.use_only_cookies = ini_bool(v);
  // OnUpdateLong: atol(), whatever follows the number (gc_divisor 0 is taken, too).
  if (key == "gc_probability") opts.gc_probability = std::atoll(v.c_str());
  if (key == "gc_divisor") opts.gc_divisor = std::atoll(v.c_str());
  if (key == "gc_maxlifetime") opts.gc_maxlifetime = std::atoll(v.c_str());
  if (key == "sid_length") return ranged(opts.sid_length, key, value, 22, 256);
  if (key == "sid_bits_per_character") return ranged(opts.sid_bits_per_character, key, value, 4, 6);
  if (key == "save_path") opts.save_path = v;
  if (key == "serialize_handler") {
    auto ser = parse_serializer(value);
    if (!ser) return "Serialization handler \"" + v + "\" cannot be found";
    opts.serialize_handler = *ser;
  }
  if (key == "name") {
    // is_numeric_string(): a whole number, float or exponent, blanks around allowed.
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    const bool numeric =
        !v.empty() && end != v.c_str() &&
        std::string_view(end).find_first_not_of(" \t\n\r\v\f") == std::string_view::npos;
    if (v.empty() || numeric) return "session.name \"" + v + "\" cannot be numeric or empty";
    opts.name = v;
  }
  return std::nullopt;
}

bool cookie_id_acceptable(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    switch (c) {
      case '\r':
      case '\n':
      case '\t':
      case ' ':
      case '<':
      case '>':
      case '\'':
      case '"':
      case '\\': return false;
      default: break;
    }
  }
  return true;
}

bool valid_id_prefix(std::string_view prefix) {
  for (char c : prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ',' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool gc_hits(Rng& rng, const RunOptions& opts) {
  if (opts.gc_probability <= 0) return false;
  // gc_divisor 0 (ini_set takes it): php_mt_rand_range(0, -1) draws any 64-bit number, about
  // half of them negative, so gc runs about every other time. Not comparable with PHP's draw.
  if (opts.gc_divisor <= 0) return static_cast<std::int64_t>(rng.next()) < opts.gc_probability;
  // PHP draws php_mt_rand_range(0, divisor - 1) < probability; the draw itself is what matters.
  const auto draw =
      static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(opts.gc_divisor)));
  return draw < opts.gc_probability;
}

EncodeResult encode_for_write(Outcome& out, const Array& vars, Serializer format,
                              std::string_view function) {
  EncodeResult enc = encode_session(vars, format);
  for (std::int64_t key : enc.skipped_numeric_keys) {
    warn(out, std::string(function) + "(): Skipping numeric key " + std::to_string(key));
  }
  return enc;
}

std::string handler_class(Variant v) {
  switch (v) {
    case Variant::full: return "FullHandler";
    case Variant::basic: return "BasicHandler";
    case Variant::sessionhandler: return "WrappedHandler";
    case Variant::no_create_sid: return "NoCreateSidHandler";
    case Variant::no_timestamp: return "NoTimestampHandler";
  }
  return "Handler";
}

}  // namespace ss::model
