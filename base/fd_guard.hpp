#pragma once
// A file descriptor closed on scope exit (the files and table handlers, child processes).

#include <unistd.h>

#include <utility>

namespace ss::base {

/// Closes the descriptor on scope exit unless released.
struct FdGuard {
  int fd = -1;
  FdGuard() = default;
  explicit FdGuard(int f) : fd(f) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
};

}  // namespace ss::base
