#include "model/engine_common.hpp"

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

std::string type_name(const Value& v) {
  if (std::holds_alternative<Array>(v.v)) return "array";
  if (const auto* o = std::get_if<Object>(&v.v)) return o->class_name;
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
    out.thrown = "Error: Cannot use object of type " + o->class_name + " as array";
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

bool cookie_id_acceptable(std::string_view id) {
  if (id.empty()) return false;
  for (char c : id) {
    switch (c) {
      case '\r': case '\n': case '\t': case ' ': case '<': case '>': case '\'': case '"':
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
  if (opts.gc_probability <= 0 || opts.gc_divisor <= 0) return false;
  // PHP draws php_mt_rand_range(0, divisor - 1) < probability; the draw itself is what matters.
  const auto draw = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(opts.gc_divisor)));
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
  }
  return "Handler";
}

}  // namespace ss::model
