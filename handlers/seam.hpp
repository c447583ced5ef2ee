#pragma once
// The handler seam: one small interface mirroring PHP's SessionHandlerInterface,
// SessionIdInterface and SessionUpdateTimestampHandlerInterface. Results are values; nothing
// throws across it. Every method is a Boost.Asio awaitable so that the explorer can suspend a
// request inside a handler operation at its I/O points (RequestEnv::points).

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/printable.hpp"
#include "base/result.hpp"
#include "handlers/clock.hpp"
#include "model/options.hpp"
#include "model/store_model.hpp"

namespace ss::handlers {

template <class T>
using Task = boost::asio::awaitable<T>;

/// Closed set of failure classes. `injected` marks faults a FaultyHandler made, so that they are
/// never mistaken for real ones.
enum class ErrorCode : std::uint8_t {
  invalid_id,
  io,
  timeout,
  capacity,
  conflict,
  lock_lost,
  connection,
  unsupported,
  injected,
};

[[nodiscard]] std::string_view error_code_name(ErrorCode c);

struct HandlerError {
  ErrorCode code = ErrorCode::io;
  std::string reason;
};

/// Ends the reason of an ErrorCode::connection error whose handler process stopped answering (an
/// exec: child past its timeout_ms): certify tells a hung handler, which fails race and fault
/// rows as `progress`, from one that died or spoke garbage.
inline constexpr std::string_view hung_handler_marker = "(hung?)";

/// Success with a T, or a HandlerError: base::Result with the seam's closed error type.
template <class T>
using Result = base::Result<T, HandlerError>;

/// Result of an operation with no value.
using Status = Result<std::monostate>;
inline Status ok_status() {
  return Status(std::monostate{});
}
inline HandlerError fail(ErrorCode code, std::string reason) {
  return HandlerError{code, std::move(reason)};
}
/// The error every handler gives for an id that fails model::valid_session_id (the id is cut to 64
/// bytes: it may be an attacker's megabyte; control bytes are escaped: it may hold CR, LF or ESC).
inline HandlerError bad_id(const std::string& id) {
  return fail(ErrorCode::invalid_id,
              "malformed session id '" + base::printable(id.substr(0, 64)) + "'");
}

/// Where a handler may be suspended. Sequential runs use the default (never suspends); the
/// explorer installs one that parks the request and lets another run.
class IoPoints {
 public:
  virtual ~IoPoints() = default;
  /// A point between two I/O operations (e.g. between reading the store and writing it back).
  virtual Task<void> point(std::string_view what);
  /// The handler could not get a resource (a lock) and must wait before retrying. Returns false
  /// when the caller should give up (the wait budget is spent).
  virtual Task<bool> blocked(std::string_view what, int attempt);
};

/// What a request's handler instance gets from its environment.
struct RequestEnv {
  Clock* clock = nullptr;
  IoPoints* points = nullptr;
  /// Distinguishes the requests of one run (lock owners, per-request snapshots).
  std::uint64_t request_id = 0;
};

/// One request's connection to a store: PHP creates one handler instance per request.
class SessionHandler {
 public:
  virtual ~SessionHandler() = default;
  virtual Task<Status> open(std::string save_path, std::string name) = 0;
  virtual Task<Status> close() = 0;
  virtual Task<Result<std::string>> read(std::string id) = 0;
  virtual Task<Status> write(std::string id, std::string data) = 0;
  virtual Task<Status> destroy(std::string id) = 0;
  virtual Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) = 0;
  virtual Task<Result<std::string>> create_sid() = 0;
  virtual Task<Result<bool>> validate_id(std::string id) = 0;
  virtual Task<Status> update_timestamp(std::string id, std::string data) = 0;
  /// The request's process died here (a SIGKILL, a crash between two calls): called instead of
  /// close(), right before the handler is destroyed. The handler gives back only what the
  /// operating system gives back for a dead process (its descriptors, and a flock with them; its
  /// sockets) and nothing more: no commit, no unlock by command, no write, neither here nor in
  /// its destructor. What survives (a Redis lock key, an open transaction's absence of commit) is
  /// what the declared FaultBehaviour::recovery must recover.
  virtual void crash() {}
};

/// How a backend behaves when requests overlap on one session.
enum class Concurrency : std::uint8_t { serialised, merge_disjoint_keys, last_writer_wins };
[[nodiscard]] std::string_view concurrency_name(Concurrency c);

/// How a lock that a crashed request left behind is given back.
enum class Recovery : std::uint8_t {
  /// The handler takes no lock that outlives a call: nothing to recover.
  none,
  /// The operating system releases it when the process dies (files: flock).
  process_exit,
  /// It expires after FaultBehaviour::recovery_ms (Redis `lock` mode: the lock key's lease).
  lease,
  /// The next locker finds the owner dead and repairs (table: robust mutexes, EOWNERDEAD).
  owner_death,
  /// The database rolls the dead connection's transaction back (SQLite `transactional`).
  rollback,
};
[[nodiscard]] std::string_view recovery_name(Recovery r);

/// What the store holds after a write that failed.
enum class FailedWrite : std::uint8_t {
  /// What it held before (an atomic write: temp + rename, a transaction, one command).
  unchanged,
  /// Either what it held before or the new data (the connection broke after the command went).
  previous_or_new,
  /// Anything, an empty or torn session included (truncate, then write).
  undefined,
};
[[nodiscard]] std::string_view failed_write_name(FailedWrite w);

/// A backend's declared behaviour under faults: what the fault checkers judge against, as the
/// race checkers judge against Concurrency. A loss it declares is a finding; any other is a
/// failure.
struct FaultBehaviour {
  Recovery recovery = Recovery::none;
  /// Recovery::lease: how long an orphaned lock keeps the session locked, in milliseconds.
  std::int64_t recovery_ms = 0;
  FailedWrite failed_write = FailedWrite::unchanged;
  /// What writes acknowledged survives a restart of the backend's server (false: Redis, whose
  /// persistence is the server's configuration, not the handler's).
  bool survives_restart = true;
  /// The store is on this machine's disk, so the disk-full fault applies.
  bool local_disk = false;
  /// One line for certificates and traces: "recovery=lease(30000 ms) failed-write=unchanged ...".
  [[nodiscard]] std::string str() const;
};

/// The largest session payload a backend stores unless it declares less: 16 MiB.
inline constexpr std::size_t payload_bytes_max_default = std::size_t{16} << 20;

/// What a backend promises, as data the suites read.
struct Guarantees {
  Concurrency concurrency = Concurrency::last_writer_wins;
  model::StoreConfig store;
  /// The largest session payload the backend stores. Every handler enforces it on write and on
  /// read (a larger stored session is an ErrorCode::capacity error naming its size, never an
  /// attempt to hold it in memory).
  std::size_t payload_bytes_max = payload_bytes_max_default;
  FaultBehaviour faults;
};

/// The error for a session of `bytes` bytes over `limit` (`where`: the handler and what it held).
inline HandlerError payload_too_large(const std::string& where, std::uint64_t bytes,
                                      std::size_t limit) {
  return fail(ErrorCode::capacity, where + ": session data of " + std::to_string(bytes) +
                                       " bytes exceeds payload_bytes_max=" + std::to_string(limit));
}

class FaultControl;
class FaultDriver;

/// A store shared by the requests of a run; hands out one handler instance per request.
class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual std::string uri() const = 0;
  [[nodiscard]] virtual Guarantees guarantees() const = 0;
  [[nodiscard]] virtual model::Capabilities capabilities() const { return {}; }
  /// The fields of guarantees() the handler declared itself (an exec: handler's hello), each
  /// with who declared it; empty when sessionspec knows the backend's guarantees.
  [[nodiscard]] virtual std::map<std::string, std::string> declared_by() const { return {}; }
  [[nodiscard]] virtual std::unique_ptr<SessionHandler> connect(RequestEnv env) = 0;
  /// The fault injector in front of this backend (handlers/faults.hpp): a fault decorator
  /// answers itself, other decorators ask what they wrap; null when there is none.
  [[nodiscard]] virtual FaultControl* fault_control() { return nullptr; }
  /// How this backend suffers real faults (a reset connection, a busy database), or null.
  [[nodiscard]] virtual FaultDriver* fault_driver() { return nullptr; }
};

}  // namespace ss::handlers
