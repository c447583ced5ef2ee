#include "certify/spawn.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/fd_guard.hpp"

extern char** environ;

namespace ss::certify {

namespace {

using Clock = std::chrono::steady_clock;

/// Starts the child with stdout on `out_fd`; its pid, or -1 with `error`.
pid_t spawn(const std::vector<std::string>& argv, int out_fd, std::string& error) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    error = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

/// Reads the child's stdout until it closes or the deadline passes; false on the deadline.
bool drain(int fd, Clock::time_point deadline, std::string& out) {
  char buf[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return false;
    if (ready < 0) return true;  // Nothing more can be read.
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    if (out.size() < output_bytes_max) out.append(buf, static_cast<std::size_t>(n));
  }
}

/// Waits for the child's exit until the deadline (a child may close stdout and keep running);
/// kills it then. False when it had to be killed.
bool reap(pid_t pid, Clock::time_point deadline, int& status) {
  constexpr auto poll_interval = std::chrono::milliseconds(5);
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) return true;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(poll_interval);
  }
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return false;
}

}  // namespace

ProgramResult run_program(const std::vector<std::string>& argv, int timeout_ms) {
  ProgramResult result;
  if (argv.empty()) {
    result.error = "no program to run";
    return result;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = std::string("cannot make a pipe: ") + std::strerror(errno);
    return result;
  }
  base::FdGuard read_end(fds[0]);
  const pid_t pid = [&] {
    base::FdGuard write_end(fds[1]);  // Closed here, so that the child's exit ends the read.
    return spawn(argv, write_end.fd, result.error);
  }();
  if (pid < 0) return result;
  const auto deadline =
      Clock::now() + std::chrono::milliseconds(std::clamp(timeout_ms, 1, program_timeout_ms_max));
  int status = 0;
  const bool drained = drain(read_end.fd, deadline, result.out);
  const bool in_time = reap(pid, drained ? deadline : Clock::now(), status) && drained;
  if (!in_time) {
    result.error = argv[0] + " did not finish within " + std::to_string(timeout_ms) + " ms";
  } else if (WIFEXITED(status)) {
    result.exited = true;
    result.status = WEXITSTATUS(status);
  } else {
    result.error = argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
  }
  return result;
}

}  // namespace ss::certify
