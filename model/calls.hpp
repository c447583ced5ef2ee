#pragma once
// The vocabulary shared by the model, the handlers' drivers and the traces: handler calls with the
// answers they got, script calls with what the script saw. Standard library only.

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
  enum class Kind : std::uint8_t { boolean, string, integer, failure, exception };
  Kind kind = Kind::boolean;
  bool b = true;
  std::string s;
  std::int64_t n = 0;
  /// failure: the handler's reason (PHP only sees false); exception: the message.
  std::string reason;
  /// failure: the handler refused for lack of room (a full table, a payload over a row's size).
  /// PHP only sees false; the reference store accepts it within its declared limits.
  bool capacity_refusal = false;

  static Answer boolean_(bool v) { return Answer{Kind::boolean, v, {}, 0, {}}; }
  static Answer string_(std::string v) { return Answer{Kind::string, true, std::move(v), 0, {}}; }
  static Answer integer_(std::int64_t v) { return Answer{Kind::integer, true, {}, v, {}}; }
  static Answer failure_(std::string why) { return Answer{Kind::failure, false, {}, 0, std::move(why)}; }
  static Answer exception_(std::string m) { return Answer{Kind::exception, false, {}, 0, std::move(m)}; }

  /// True for `true`, strings and integers: what PHP counts as SUCCESS.
  [[nodiscard]] bool ok() const;
  /// Equality as PHP observes it: a failure's reason does not matter, only that it failed.
  [[nodiscard]] bool same_for_php(const Answer& other) const;
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
};

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
};

/// A PHP diagnostic raised during a script call.
struct Diagnostic {
  enum class Level : std::uint8_t { notice, warning, deprecated };
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
  std::vector<Diagnostic> diagnostics;
};

}  // namespace ss::model
