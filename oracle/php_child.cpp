#include "oracle/php_child.hpp"

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

namespace ss::oracle {

namespace {

/// A line longer than this is garbage (a trace event is a few KiB at most).
constexpr std::size_t line_bytes_max = 64 * 1024 * 1024;
/// How long reap() waits for a child that closed its stdout to exit, before killing it.
constexpr std::int64_t exit_wait_ms = 2000;

}  // namespace

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

PhpChild::~PhpChild() {
  stop();
}

bool PhpChild::start(const std::vector<std::string>& argv_in, std::string& message) {
  stop();
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    message = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  if (::pipe2(out, O_CLOEXEC) != 0) {
    message = std::string("pipe: ") + std::strerror(errno);
    ::close(in[0]);
    ::close(in[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc =
      ::posix_spawnp(&pid_, args.front().c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    pid_ = -1;
    message = "cannot run " + args.front() + ": " + std::strerror(rc);
    return false;
  }
  to_child_ = in[1];
  from_child_ = out[0];
  buffer_.clear();
  eof_ = false;
  return true;
}

void PhpChild::stop() {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  to_child_ = from_child_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  buffer_.clear();
  eof_ = false;
}

bool PhpChild::write(const std::string& data, std::int64_t deadline_ms) {
  if (to_child_ < 0) return false;
  // SIGPIPE is blocked meanwhile (and a pending one consumed) so that a dead child is an error
  // here, not the death of this process.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < data.size()) {
    pollfd p{to_child_, POLLOUT, 0};
    const auto left = deadline_ms - steady_ms();
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      ok = false;
      break;
    }
    const ssize_t n = ::write(to_child_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      ok = false;
    else
      done += static_cast<std::size_t>(n);
  }
  if (!ok && errno == EPIPE) {
    const timespec zero{0, 0};
    (void)sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  return ok;
}

bool PhpChild::has_line() const {
  return buffer_.find('\n') != std::string::npos;
}

PhpChild::Read PhpChild::read_line(std::string& line, std::int64_t deadline_ms) {
  for (;;) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      line.assign(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      return Read::line;
    }
    if (eof_ || from_child_ < 0 || buffer_.size() > line_bytes_max) return Read::eof;
    pollfd p{from_child_, POLLIN, 0};
    // A deadline in the past still takes what the pipe holds already (a zero-timeout poll).
    const auto left = std::max<std::int64_t>(0, deadline_ms - steady_ms());
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return Read::timeout;
    char chunk[65536];
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // An unterminated last line is dropped: everything the harness writes ends in a newline.
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

int PhpChild::reap() {
  if (pid_ <= 0) return -1;
  int status = 0;
  const std::int64_t deadline = steady_ms() + exit_wait_ms;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (steady_ms() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  pid_ = -1;
  return status;
}

}  // namespace ss::oracle
