#pragma once
// Whether a handler can still be certified (issue #14, D10, D12): a handler diagnosed as hung
// or unreachable is remembered, so that its remaining rows are decided at once, naming the
// cause, instead of paying a timeout per scenario, case and schedule; and a failure that comes
// from the infrastructure (a Redis server that went away) is told apart from a handler failure.

#include <memory>
#include <optional>
#include <string>

#include "handlers/seam.hpp"
#include "sched/explorer.hpp"

namespace ss::certify {

/// Why a handler cannot be certified further.
struct Diagnosis {
  /// One line: what failed, e.g. "redis 127.0.0.1:6399: cannot connect: Connection refused".
  std::string cause;
  /// The handler itself is at fault (its process hangs or died: an exec: handler), so the row
  /// that found it fails; otherwise the infrastructure is (a server that refuses connections, a
  /// store that cannot be made), and the row is an error.
  bool handler_fault = false;
};

/// What the handlers of a target answered that says they are gone: the first error with
/// ErrorCode::connection since the last reset (an exec: handler's process that hung, died or
/// spoke garbage; a server that refuses or drops connections). ErrorCode::timeout is not one:
/// backends also use it for a lock they gave up waiting for, which the rows judge.
class Health {
 public:
  void observe(const handlers::HandlerError& e);
  [[nodiscard]] const std::optional<handlers::HandlerError>& alarm() const { return alarm_; }
  void reset() { alarm_.reset(); }

 private:
  std::optional<handlers::HandlerError> alarm_;
};

/// `factory` whose backends' handlers report every answer to `health`.
[[nodiscard]] sched::BackendFactory watched(sched::BackendFactory factory,
                                            std::shared_ptr<Health> health);

/// Makes a fresh backend with `factory` and talks to it once, as one request alone on a fresh
/// store: open, read, write, read back, gc, destroy, close. A diagnosis when the backend cannot
/// be made or an answer says the handler is gone: ErrorCode::connection, or ErrorCode::timeout
/// (alone on a fresh store nothing holds a lock, so a timeout is a handler or server that does
/// not answer). Other wrong answers are for the rows to judge. Bounded by the handler's own time
/// limits (exec: timeout_ms; Redis: its connect and command timeouts).
[[nodiscard]] std::optional<Diagnosis> probe_backend(const sched::BackendFactory& factory,
                                                     bool handler_fault);

}  // namespace ss::certify
