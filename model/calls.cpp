#include "model/calls.hpp"

#include <array>
#include <type_traits>
#include <variant>

namespace ss::model {

namespace {

constexpr std::array<std::string_view, 9> method_names = {
    "open", "close",      "read",       "write",          "destroy",
    "gc",   "create_sid", "validateId", "updateTimestamp"};

}  // namespace

std::string_view method_name(Method m) {
  return method_names[static_cast<std::size_t>(m)];
}

std::optional<Method> parse_method(std::string_view name) {
  for (std::size_t i = 0; i < method_names.size(); ++i) {
    if (method_names[i] == name) return static_cast<Method>(i);
  }
  return std::nullopt;
}

std::string_view op_name(Op op) {
  switch (op) {
    case Op::session_start: return "session_start";
    case Op::session_write_close: return "session_write_close";
    case Op::session_commit: return "session_commit";
    case Op::session_regenerate_id: return "session_regenerate_id";
    case Op::session_reset: return "session_reset";
    case Op::session_id: return "session_id";
    case Op::session_destroy: return "session_destroy";
    case Op::session_abort: return "session_abort";
    case Op::session_unset: return "session_unset";
    case Op::session_gc: return "session_gc";
    case Op::session_status: return "session_status";
    case Op::session_create_id: return "session_create_id";
    case Op::set: return "set";
    case Op::push: return "push";
    case Op::incr: return "incr";
    case Op::unset: return "unset";
    case Op::get: return "get";
    case Op::advance: return "advance";
    case Op::yield: return "yield";
    case Op::exit_: return "exit";
    case Op::throw_: return "throw";
    case Op::fatal: return "fatal";
    case Op::exhaust_memory: return "exhaust_memory";
    case Op::on_shutdown: return "on_shutdown";
    case Op::session_register_shutdown: return "session_register_shutdown";
    case Op::session_encode: return "session_encode";
    case Op::session_decode: return "session_decode";
    case Op::ini_get: return "ini_get";
    case Op::ini_set: return "ini_set";
    case Op::sid: return "sid";
    case Op::dump: return "dump";
  }
  return "?";
}

std::optional<Op> parse_op(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(last_op); ++i) {
    if (op_name(static_cast<Op>(i)) == name) return static_cast<Op>(i);
  }
  return std::nullopt;
}

std::string memory_exhausted_message() {
  return "Allowed memory size of " + std::to_string(exhaust_memory_limit_bytes) +
         " bytes exhausted";
}

std::string_view level_name(Diagnostic::Level l) {
  switch (l) {
    case Diagnostic::Level::notice: return "notice";
    case Diagnostic::Level::warning: return "warning";
    case Diagnostic::Level::deprecated: return "deprecated";
    case Diagnostic::Level::error: return "error";
  }
  return "?";
}

bool Answer::ok() const {
  switch (kind) {
    case Kind::boolean: return b;
    case Kind::string:
    case Kind::integer: return true;
    case Kind::failure:
    case Kind::exception:
    case Kind::other: return false;
  }
  return false;
}

bool Answer::same_for_php(const Answer& o) const {
  if (kind != o.kind) return false;
  switch (kind) {
    case Kind::boolean: return b == o.b;
    case Kind::string: return s == o.s;
    case Kind::integer: return n == o.n;
    case Kind::failure: return true;
    case Kind::exception: return reason == o.reason;
    case Kind::other: return other == o.other;
  }
  return false;
}

Value answer_value(const Answer& a) {
  switch (a.kind) {
    case Answer::Kind::boolean: return Value{a.b};
    case Answer::Kind::string: return Value{a.s};
    case Answer::Kind::integer: return Value{a.n};
    case Answer::Kind::failure: return Value{false};
    case Answer::Kind::exception: return Value{};
    case Answer::Kind::other: return a.other;
  }
  return Value{};
}

std::string answer_type_name(const Answer& a) {
  const Value v = answer_value(a);
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "null";
        if constexpr (std::is_same_v<T, bool>) return "bool";
        if constexpr (std::is_same_v<T, std::int64_t>) return "int";
        if constexpr (std::is_same_v<T, double>) return "float";
        if constexpr (std::is_same_v<T, std::string>) return "string";
        if constexpr (std::is_same_v<T, Array>) return "array";
        if constexpr (std::is_same_v<T, Object>) return x.class_name;
        return "?";
      },
      v.v);
}

Answer injected_answer(const Value& v) {
  if (const auto* b = std::get_if<bool>(&v.v)) return Answer::boolean_(*b);
  if (const auto* i = std::get_if<std::int64_t>(&v.v)) return Answer::integer_(*i);
  if (const auto* s = std::get_if<std::string>(&v.v)) return Answer::string_(*s);
  return Answer::other_(v);
}

std::optional<Answer> FaultPlan::take(Method m) {
  const int n = ++seen_[static_cast<std::size_t>(m)];
  for (const Fault& f : faults_) {
    if (f.method == m && f.occurrence == n) return f.answer;
  }
  return std::nullopt;
}

std::string show(const Answer& a) {
  switch (a.kind) {
    case Answer::Kind::boolean: return a.b ? "true" : "false";
    case Answer::Kind::string: return show(Value{a.s});
    case Answer::Kind::integer: return std::to_string(a.n);
    case Answer::Kind::failure: return "false (" + a.reason + ")";
    case Answer::Kind::exception: return "throw " + show(Value{a.reason});
    case Answer::Kind::other: return show(a.other);
  }
  return "?";
}

std::string show(const HandlerCall& c) {
  std::string out(method_name(c.method));
  out += '(';
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    if (i) out += ", ";
    if (c.method == Method::gc) {
      out += c.args[i];
    } else {
      out += show(Value{c.args[i]});
    }
  }
  out += ')';
  return out;
}

}  // namespace ss::model
