#include "handlers/faults.hpp"

#include <signal.h>
#include <sys/resource.h>

#include "base/assert.hpp"

namespace ss::handlers {

std::string_view backend_fault_name(BackendFault f) {
  switch (f) {
    case BackendFault::reset: return "reset";
    case BackendFault::busy: return "busy";
    case BackendFault::disk_full: return "full";
  }
  return "?";
}

std::optional<BackendFault> parse_backend_fault(std::string_view name) {
  for (BackendFault f : {BackendFault::reset, BackendFault::busy, BackendFault::disk_full}) {
    if (backend_fault_name(f) == name) return f;
  }
  return std::nullopt;
}

std::string_view fault_kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::crash: return "crash";
    case FaultKind::skip: return "skip";
    case FaultKind::fail: return "fail";
    case FaultKind::stall: return "stall";
    case FaultKind::reset: return "reset";
    case FaultKind::busy: return "busy";
    case FaultKind::full: return "full";
    case FaultKind::restart: return "restart";
  }
  return "?";
}

std::optional<FaultKind> parse_fault_kind(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(FaultKind::restart); ++i) {
    const auto k = static_cast<FaultKind>(i);
    if (fault_kind_name(k) == name) return k;
  }
  return std::nullopt;
}

std::optional<BackendFault> backend_fault_of(FaultKind k) {
  switch (k) {
    case FaultKind::reset: return BackendFault::reset;
    case FaultKind::busy: return BackendFault::busy;
    case FaultKind::full: return BackendFault::disk_full;
    default: return std::nullopt;
  }
}

namespace {

/// The guards alive now, and what the first one found (restored by the last one).
struct DiskFullState {
  int depth = 0;
  bool limited = false;
  rlim_t soft_limit = 0;
  struct sigaction xfsz {};
};
DiskFullState disk_full_state;

}  // namespace

DiskFull::DiskFull() {
  DiskFullState& s = disk_full_state;
  SS_ASSERT(s.depth >= 0, "DiskFull depth below zero");
  if (s.depth++ > 0) return;
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGXFSZ, &ignore, &s.xfsz);
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_FSIZE, &lim) != 0) return;
  s.soft_limit = lim.rlim_cur;
  lim.rlim_cur = 0;
  s.limited = ::setrlimit(RLIMIT_FSIZE, &lim) == 0;
}

DiskFull::~DiskFull() {
  DiskFullState& s = disk_full_state;
  if (--s.depth > 0) return;
  if (s.limited) {
    struct rlimit lim {};
    ::getrlimit(RLIMIT_FSIZE, &lim);
    lim.rlim_cur = s.soft_limit;
    ::setrlimit(RLIMIT_FSIZE, &lim);
    s.limited = false;
  }
  ::sigaction(SIGXFSZ, &s.xfsz, nullptr);
}

}  // namespace ss::handlers
