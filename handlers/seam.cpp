#include "handlers/seam.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace ss::handlers {

namespace {
/// A sequential run waits for a lock held by another process at most this many times...
constexpr int blocked_attempts_max = 300;
/// ...this long each: 3 s in all, then the operation fails with a timeout.
constexpr std::chrono::milliseconds blocked_backoff_ms{10};
}  // namespace

std::string_view error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::invalid_id: return "invalid_id";
    case ErrorCode::io: return "io";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::capacity: return "capacity";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::lock_lost: return "lock_lost";
    case ErrorCode::connection: return "connection";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::injected: return "injected";
  }
  return "?";
}

std::string_view concurrency_name(Concurrency c) {
  switch (c) {
    case Concurrency::serialised: return "serialised";
    case Concurrency::merge_disjoint_keys: return "merge-disjoint-keys";
    case Concurrency::last_writer_wins: return "last-writer-wins";
  }
  return "?";
}

std::string_view recovery_name(Recovery r) {
  switch (r) {
    case Recovery::none: return "none";
    case Recovery::process_exit: return "process-exit";
    case Recovery::lease: return "lease";
    case Recovery::owner_death: return "owner-death";
    case Recovery::rollback: return "rollback";
  }
  return "?";
}

std::string_view failed_write_name(FailedWrite w) {
  switch (w) {
    case FailedWrite::unchanged: return "unchanged";
    case FailedWrite::previous_or_new: return "previous-or-new";
    case FailedWrite::undefined: return "undefined";
  }
  return "?";
}

std::string FaultBehaviour::str() const {
  std::string out = "recovery=" + std::string(recovery_name(recovery));
  if (recovery == Recovery::lease) out += "(" + std::to_string(recovery_ms) + " ms)";
  out += " failed-write=" + std::string(failed_write_name(failed_write));
  out += survives_restart ? " restart=keeps" : " restart=loses";
  if (local_disk) out += " disk=local";
  return out;
}

Task<void> IoPoints::point(std::string_view) {
  co_return;
}

// Outside the explorer the only other lock holder is another process, so wait in real time.
Task<bool> IoPoints::blocked(std::string_view, int attempt) {
  if (attempt >= blocked_attempts_max) co_return false;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_after(blocked_backoff_ms);
  co_await timer.async_wait(boost::asio::use_awaitable);
  co_return true;
}

}  // namespace ss::handlers
