#include "model/engine_common.hpp"

#include <charconv>

namespace ss::model {

void notice(Outcome& out, std::string message) {
  out.diagnostics.push_back(Diagnostic{Diagnostic::Level::notice, std::move(message)});
}

void warn(Outcome& out, std::string message) {
  out.diagnostics.push_back(Diagnostic{Diagnostic::Level::warning, std::move(message)});
}

namespace {

Outcome increment(const ScriptCall& call, Array& vars) {
  Outcome out;
  Value* slot = vars.find(call.key);
  if (slot == nullptr) {
    vars.set(call.key, Value{std::int64_t{1}});
    return out;
  }
  if (auto* i = std::get_if<std::int64_t>(&slot->v)) {
    *i += 1;
  } else if (auto* d = std::get_if<double>(&slot->v)) {
    *d += 1.0;
  } else if (slot->is_null()) {
    *slot = Value{std::int64_t{1}};
  } else {
    // Scenarios only increment counters; anything else restarts the counter like `(int)` would.
    *slot = Value{std::int64_t{1}};
  }
  return out;
}

Outcome push(const ScriptCall& call, Array& vars) {
  Value* slot = vars.find(call.key);
  if (slot == nullptr || !std::holds_alternative<Array>(slot->v)) {
    vars.set(call.key, Value{Array{}});
    slot = vars.find(call.key);
  }
  std::get<Array>(slot->v).push(call.value);
  return Outcome{};
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
    case Op::yield: return out;
    default: break;
  }
  if (call.op == Op::get) {
    if (vars) {
      if (const Value* v = vars->find(call.key)) out.result = *v;
    }
    return out;
  }
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

EncodeResult encode_for_write(Outcome& out, const Array& vars, Serializer format) {
  EncodeResult enc = encode_session(vars, format);
  for (std::int64_t key : enc.skipped_numeric_keys) {
    warn(out, "session_write_close(): Skipping numeric key " + std::to_string(key));
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
