#pragma once
// Faults as data, at the handler seam. The explorer injects faults at a request's scheduling
// points (sched/faults.hpp); what it does to a handler goes through two small interfaces here:
//
//   * FaultControl, implemented by the fault decorator (`fault:PLAN+BASE`, handlers/testing/,
//     which the core never links): a request's next handler call fails with
//     ErrorCode::injected, or runs while the backend suffers a real fault;
//   * FaultDriver, implemented by a real backend that can suffer a fault for real: Redis resets
//     a request's connection (CLIENT KILL), SQLite lets another connection hold the write lock.
//
// The disk-full fault needs no backend's help: DiskFull makes every write that extends a file in
// this process fail with EFBIG while it lives (RLIMIT_FSIZE = 0), as a full disk would.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/seam.hpp"

namespace ss::handlers {

/// A fault a backend suffers for real (not a made-up answer).
enum class BackendFault : std::uint8_t {
  /// The request's connection to the server is reset (Redis: CLIENT KILL of that connection);
  /// its next command fails, the one after reconnects.
  reset,
  /// During the request's next call another connection holds the store's write lock (SQLite:
  /// BEGIN IMMEDIATE on a connection of its own), so the call meets SQLITE_BUSY until its wait
  /// budget is spent.
  busy,
  /// During the request's next call the disk is full: every write that extends a file fails.
  disk_full,
};
[[nodiscard]] std::string_view backend_fault_name(BackendFault f);
[[nodiscard]] std::optional<BackendFault> parse_backend_fault(std::string_view name);

/// Every fault the explorer injects at a request's scheduling point (sched/faults.hpp), as
/// schedule strings and traces spell them.
enum class FaultKind : std::uint8_t {
  /// The request's process dies here: no further call, no close(); SessionHandler::crash().
  crash,
  /// The request never runs (shrinking drops requests this way; not counted as a fault).
  skip,
  /// The request's next handler call fails (FaultControl::fail_next).
  fail,
  /// The request stalls here for FaultSpec seconds: the virtual clock moves on (a forward clock
  /// step is the same fault on a virtual clock).
  stall,
  /// BackendFault::reset, busy and disk_full against this request.
  reset,
  busy,
  full,
  /// The backend's server is stopped and started again (only a server sessionspec owns).
  restart,
};
[[nodiscard]] std::string_view fault_kind_name(FaultKind k);
[[nodiscard]] std::optional<FaultKind> parse_fault_kind(std::string_view name);
/// The backend fault a FaultKind stands for, if it is one.
[[nodiscard]] std::optional<BackendFault> backend_fault_of(FaultKind k);

/// A real backend's means of suffering a fault for real (Backend::fault_driver()).
class FaultDriver {
 public:
  virtual ~FaultDriver() = default;
  [[nodiscard]] virtual bool supports(BackendFault f) const = 0;
  /// Starts `f` against the handler of request `request_id` (reset happens at once; busy holds
  /// until end()). Fails when the fault could not be set up (the failure is the driver's, and
  /// the fault is then not injected).
  virtual Status begin(BackendFault f, std::uint64_t request_id) = 0;
  /// Ends `f` (busy: the other connection commits). Idempotent.
  virtual void end(BackendFault f) = 0;
};

/// The fault decorator, as the explorer drives it (Backend::fault_control()).
class FaultControl {
 public:
  virtual ~FaultControl() = default;
  /// The next handler call of request `request_id` fails with ErrorCode::injected and `reason`,
  /// without reaching the backend (a closed connection, a refused statement: PHP sees false).
  virtual void fail_next(std::uint64_t request_id, std::string reason) = 0;
  /// Whether the backend can suffer `f` (a driver for reset/busy; a local disk for disk_full).
  [[nodiscard]] virtual bool supports(BackendFault f) const = 0;
  /// Request `request_id` suffers `f`: reset now, busy and disk_full during its next call.
  /// Fails when the backend cannot (supports() says so first) or its driver failed.
  virtual Status arm(std::uint64_t request_id, BackendFault f) = 0;
  /// Forgets whatever is armed and not yet spent (a schedule ended early).
  virtual void clear() = 0;
};

/// While it lives, no write of this process may extend a file (RLIMIT_FSIZE soft limit 0;
/// SIGXFSZ ignored, so the write fails with EFBIG instead of killing the process): the disk is
/// full for everyone in this process, as it would be for every process on a full disk. Guards
/// nest (two requests' calls may overlap); the last one to go restores the limit and the
/// signal's disposition. One thread at a time (the explorer's).
class DiskFull {
 public:
  DiskFull();
  ~DiskFull();
  DiskFull(const DiskFull&) = delete;
  DiskFull& operator=(const DiskFull&) = delete;
};

}  // namespace ss::handlers
