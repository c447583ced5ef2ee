#pragma once
// The vocabulary shared by the model, the handlers' drivers and the traces: handler calls with the
// answers they got, script calls with what the script saw. Standard library only.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/value.hpp"

namespace ss::model {

/// The save-handler methods, by PHP's names (see method_name()).
enum class Method : std::uint8_t {
  open,
  close,
  read,
  write,
  destroy,
  gc,
  create_sid,
  validate_id,
  update_timestamp,
};

/// PHP's spelling: "open", ..., "create_sid", "validateId", "updateTimestamp".
[[nodiscard]] std::string_view method_name(Method m);
[[nodiscard]] std::optional<Method> parse_method(std::string_view name);

/// One call the session module makes to the save handler.
struct HandlerCall {
  Method method = Method::open;
  /// open: save_path, name; read/destroy/validateId: id; write/updateTimestamp: id, data;
  /// gc: max lifetime in decimal; create_sid: none.
  std::vector<std::string> args;
  friend bool operator==(const HandlerCall&, const HandlerCall&) = default;
};

/// What a handler call returned, as PHP sees it.
struct Answer {
  /// `other` is any PHP value a broken handler may return besides bool, int and string: null,
  /// float, array or object (scenario `fault` lines inject them; PHP reacts to the type).
  enum class Kind : std::uint8_t { boolean, string, integer, failure, exception, other };
  Kind kind = Kind::boolean;
  bool b = true;
  std::string s;
  std::int64_t n = 0;
  /// failure: the handler's reason (PHP only sees false); exception: "Class: message".
  std::string reason;
  /// Kind::other: the value.
  Value other;
  /// The answer came from a scenario's `fault` line, not from the handler (the handler was not
  /// asked, or for open/close its own answer was replaced). PHP cannot tell; the judges can.
  bool injected = false;
  /// failure: the handler refused for lack of room (a full table, a payload over a row's size).
  /// PHP only sees false; the reference store accepts it within its declared limits.
  bool capacity_refusal = false;

  static Answer boolean_(bool v) {
    Answer a;
    a.b = v;
    return a;
  }
  static Answer string_(std::string v) { return with(Kind::string, true, std::move(v)); }
  static Answer integer_(std::int64_t v) {
    Answer a = with(Kind::integer, true, {});
    a.n = v;
    return a;
  }
  static Answer failure_(std::string why) {
    Answer a = with(Kind::failure, false, {});
    a.reason = std::move(why);
    return a;
  }
  static Answer exception_(std::string m) {
    Answer a = with(Kind::exception, false, {});
    a.reason = std::move(m);
    return a;
  }
  static Answer other_(Value v) {
    Answer a = with(Kind::other, false, {});
    a.other = std::move(v);
    return a;
  }

  /// True for `true`, strings and integers: what PHP counts as SUCCESS.
  [[nodiscard]] bool ok() const;
  /// Equality as PHP observes it: a failure's reason does not matter, only that it failed.
  [[nodiscard]] bool same_for_php(const Answer& other) const;

 private:
  static Answer with(Kind k, bool b, std::string s) {
    Answer a;
    a.kind = k;
    a.b = b;
    a.s = std::move(s);
    return a;
  }
};

/// The PHP value an answer stands for (a failure is false, an exception null), for a
/// scenario's `fault` line and for PHP's type names ("null", "int", "stdClass", ...).
[[nodiscard]] Value answer_value(const Answer& a);
/// The name PHP gives an answer's type in its TypeErrors: zend_zval_type_name() of 8.2, with
/// an object's class name.
[[nodiscard]] std::string answer_type_name(const Answer& a);

/// The answer a handler gives by returning `v` (a `fault` line's JSON literal): a bool, int or
/// string as such, anything else as Kind::other.
[[nodiscard]] Answer injected_answer(const Value& v);

/// A handler answer a scenario injects in place of the handler's own (`fault METHOD[#N]
/// ANSWER`, docs/scenario-format.md): the Nth call of `method` in a request does not reach the
/// handler (open and close do, and only their answer is replaced) and gets `answer` instead.
struct Fault {
  Method method = Method::read;
  /// 1 = the first call of `method` in the request.
  int occurrence = 1;
  Answer answer;
  /// The line as written, for traces and errors.
  std::string source;
};

/// How many faults one request may carry (a bound on the fault plan's scan).
inline constexpr std::size_t faults_per_request_max = 64;

/// The faults of one request with the calls counted so far. `take` is asked once per handler
/// call, in call order, and answers the injected answer when this call is a faulted one.
class FaultPlan {
 public:
  FaultPlan() = default;
  explicit FaultPlan(std::vector<Fault> faults) : faults_(std::move(faults)) {}
  [[nodiscard]] std::optional<Answer> take(Method m);
  /// Whether open and close, when faulted, still reach the handler: they hold no session data,
  /// only the handler's own open state, which must stay consistent (docs/scenario-format.md).
  [[nodiscard]] static bool reaches_handler(Method m) {
    return m == Method::open || m == Method::close;
  }

 private:
  std::vector<Fault> faults_;
  std::array<int, 9> seen_{};
};

/// A short rendering: true, false, 'string', 42, false (reason), throw 'message'.
[[nodiscard]] std::string show(const Answer& a);
[[nodiscard]] std::string show(const HandlerCall& c);

/// Script-level operations: PHP's session functions plus $_SESSION manipulation.
enum class Op : std::uint8_t {
  session_start,
  session_write_close,
  session_commit,
  session_regenerate_id,
  session_reset,
  session_id,
  session_destroy,
  session_abort,
  session_unset,
  session_gc,
  session_status,
  session_create_id,
  set,
  push,
  incr,
  unset,
  get,
  advance,
  /// A script-level suspension point (a database query in the middle of a request): nothing
  /// happens in the session module, but a coroutine server may run another request here.
  yield,
  /// Abnormal ends of the script (PHP's shutdown functions and RSHUTDOWN still run): `exit`, an
  /// exception the script does not catch, a fatal error (E_USER_ERROR), running out of memory.
  exit_,
  throw_,
  fatal,
  exhaust_memory,
  /// register_shutdown_function() of a script call (ScriptCall::deferred), run at the end of the
  /// request in registration order with PHP's own end-of-request write.
  on_shutdown,
  /// session_register_shutdown(): session_write_close() as a shutdown function, now.
  session_register_shutdown,
  /// session_encode() / session_decode(DATA) (ScriptCall::text).
  session_encode,
  session_decode,
  /// ini_get("session." KEY) / ini_set("session." KEY, VALUE): ScriptCall::text is KEY,
  /// options["value"] VALUE.
  ini_get,
  ini_set,
  /// The SID constant (null while it is not defined).
  sid,
  /// $_SESSION as a whole ($_SESSION ?? null).
  dump,
};

/// The last Op, for loops over all of them.
inline constexpr Op last_op = Op::dump;

[[nodiscard]] std::string_view op_name(Op op);
[[nodiscard]] std::optional<Op> parse_op(std::string_view name);

/// One script call. Only the fields its Op uses are meaningful.
struct ScriptCall {
  Op op = Op::session_start;
  /// session_start options, e.g. {"read_and_close", "1"}.
  std::map<std::string, std::string> options;
  /// session_regenerate_id(delete_old_session).
  bool flag = false;
  /// session_id(x) / session_create_id(prefix): the argument, when given.
  std::optional<std::string> text;
  /// $_SESSION key for set/push/incr/unset/get.
  Key key;
  /// The value for set/push.
  Value value;
  /// advance: seconds.
  std::int64_t seconds = 0;
  /// on_shutdown: the call registered (exactly one).
  std::vector<ScriptCall> deferred;
};

/// The memory limit the harness lowers to before `exhaust_memory`, and PHP's message for it
/// (without the "(tried to allocate N bytes)" that depends on the allocation).
inline constexpr std::int64_t exhaust_memory_limit_bytes = 32 * 1024 * 1024;
[[nodiscard]] std::string memory_exhausted_message();

/// A PHP diagnostic raised during a script call. `error` is a fatal error: the request ended
/// there (e.g. "Uncaught RuntimeException: ..." out of the end-of-request write).
struct Diagnostic {
  enum class Level : std::uint8_t { notice, warning, deprecated, error };
  Level level = Level::warning;
  std::string message;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

[[nodiscard]] std::string_view level_name(Diagnostic::Level l);

/// What the script saw from one call.
struct Outcome {
  /// PHP's return value (null for statements such as set).
  Value result;
  /// Set when the call threw (uncaught: the driver ends the script and runs shutdown).
  std::optional<std::string> thrown;
  /// The script ended here without an exception (exit, a fatal error): the driver runs no
  /// further call and ends the request.
  bool ended = false;
  std::vector<Diagnostic> diagnostics;
};

}  // namespace ss::model
