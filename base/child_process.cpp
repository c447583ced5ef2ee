#include "base/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace ss::base {

namespace {

/// Bytes read from a pipe at once.
constexpr std::size_t chunk_bytes = 64 * 1024;
/// The longest sleep between two checks of whether a child exited (finish()).
constexpr std::int64_t exit_poll_ms_max = 10;
/// After the child is reaped, at most this many reads take what its stderr still holds (a process
/// outside its group could keep the pipe open and writing).
constexpr int stderr_drain_reads_max = 64;

// ---- the process groups to kill on a termination signal ----------------------------------------

/// Live children's process groups, read by the signal handler: a fixed table of lock-free atomics
/// is all a handler may touch. A child that finds no free slot (more than live_groups_max at once)
/// still runs and is still killed on destruction, only not by the handler.
constexpr std::size_t live_groups_max = 1024;
std::array<std::atomic<pid_t>, live_groups_max> live_groups{};
static_assert(std::atomic<pid_t>::is_always_lock_free);

void remember_group(pid_t group) {
  for (auto& slot : live_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, group)) return;
  }
}

void forget_group(pid_t group) {
  for (auto& slot : live_groups) {
    pid_t held = group;
    if (slot.compare_exchange_strong(held, 0)) return;
  }
}

constexpr std::array<int, 3> termination_signals{SIGINT, SIGTERM, SIGHUP};

extern "C" void kill_children_and_die(int sig) {
  // Only async-signal-safe calls: kill() and raise(). SA_RESETHAND restored the default action,
  // so the raised signal ends the process once this handler returns.
  for (auto& slot : live_groups) {
    const pid_t group = slot.load();
    if (group > 0) ::kill(-group, SIGKILL);
  }
  ::raise(sig);
}

/// Blocks the termination signals for its lifetime, so that a child is never started without
/// its group being remembered.
class TerminationSignalsBlocked {
 public:
  TerminationSignalsBlocked() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : termination_signals) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~TerminationSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  TerminationSignalsBlocked(const TerminationSignalsBlocked&) = delete;
  TerminationSignalsBlocked& operator=(const TerminationSignalsBlocked&) = delete;

 private:
  sigset_t old_;
};

// ---- spawning -----------------------------------------------------------------------------------

struct Pipe {
  int read = -1;
  int write = -1;
  bool open(std::string& error) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    read = fds[0];
    write = fds[1];
    return true;
  }
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

/// The child's attributes: its own process group, an empty signal mask and default actions for
/// the signals this process blocks or handles (a child inherits both otherwise).
class SpawnAttributes {
 public:
  SpawnAttributes() {
    posix_spawnattr_init(&attr_);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    for (int s : termination_signals) sigaddset(&defaults, s);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &defaults);
    posix_spawnattr_setpgroup(&attr_, 0);
    posix_spawnattr_setflags(
        &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  [[nodiscard]] const posix_spawnattr_t* get() const { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

/// Where the child's stdin, stdout and stderr go.
class SpawnFiles {
 public:
  SpawnFiles(const Pipe& in, const Pipe& out, const Pipe& err, SpawnOptions::Stderr mode) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_adddup2(&actions_, in.read, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions_, out.write, STDOUT_FILENO);
    if (mode == SpawnOptions::Stderr::capture) {
      posix_spawn_file_actions_adddup2(&actions_, err.write, STDERR_FILENO);
    } else if (mode == SpawnOptions::Stderr::discard) {
      posix_spawn_file_actions_addopen(&actions_, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
  }
  ~SpawnFiles() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnFiles(const SpawnFiles&) = delete;
  SpawnFiles& operator=(const SpawnFiles&) = delete;
  [[nodiscard]] const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

/// SIGPIPE blocked for its lifetime; a SIGPIPE raised meanwhile (by a write to a dead child) is
/// consumed before the old mask returns, unless one was pending before.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlocked() {
    if (!was_pending_) {
      const timespec zero{0, 0};
      (void)sigtimedwait(&pipe_, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

}  // namespace

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string describe_wait_status(int status) {
  if (status < 0) return "never ran";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

// ---- ChildProcess -------------------------------------------------------------------------------

ChildProcess::~ChildProcess() {
  kill();
}

bool ChildProcess::start(const std::vector<std::string>& argv_in, const SpawnOptions& options,
                         std::string& error) {
  kill();
  if (argv_in.empty() || argv_in.front().empty()) {
    error = "no program to run";
    return false;
  }
  options_ = options;
  Pipe in, out, err;
  const bool capture = options.stderr_mode == SpawnOptions::Stderr::capture;
  if (!in.open(error) || !out.open(error) || (capture && !err.open(error))) {
    for (Pipe* p : {&in, &out, &err}) {
      p->close_read();
      p->close_write();
    }
    return false;
  }
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = 0;
  {
    const TerminationSignalsBlocked blocked;
    const SpawnAttributes attr;
    const SpawnFiles files(in, out, err, options.stderr_mode);
    rc = ::posix_spawnp(&pid_, args.front().c_str(), files.get(), attr.get(), argv.data(), environ);
    if (rc == 0) remember_group(pid_);
  }
  in.close_read();
  out.close_write();
  err.close_write();
  if (rc != 0) {
    in.close_write();
    out.close_read();
    err.close_read();
    pid_ = -1;
    error = "cannot run " + args.front() + ": " + std::strerror(rc);
    return false;
  }
  to_child_ = in.write;
  from_child_ = out.read;
  stderr_from_child_ = err.read;
  buffer_.clear();
  stderr_.clear();
  eof_ = false;
  return true;
}

bool ChildProcess::write(std::string_view data, std::int64_t deadline_ms) {
  if (to_child_ < 0) return false;
  const SigpipeBlocked blocked;
  std::size_t done = 0;
  while (done < data.size()) {
    pollfd p{to_child_, POLLOUT, 0};
    const auto left = deadline_ms - steady_ms();
    if (left <= 0) return false;
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    const ssize_t n = ::write(to_child_, data.data() + done, data.size() - done);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void ChildProcess::close_stdin() {
  if (to_child_ >= 0) ::close(to_child_);
  to_child_ = -1;
}

void ChildProcess::drain_stderr() {
  char chunk[chunk_bytes];
  const ssize_t n = ::read(stderr_from_child_, chunk, sizeof chunk);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    ::close(stderr_from_child_);
    stderr_from_child_ = -1;
    return;
  }
  const std::size_t room =
      options_.stderr_bytes_max - std::min(options_.stderr_bytes_max, stderr_.size());
  stderr_.append(chunk, std::min(room, static_cast<std::size_t>(n)));
}

ChildProcess::Pumped ChildProcess::pump(std::int64_t deadline_ms) {
  for (;;) {
    if (from_child_ < 0 || eof_) return Pumped::eof;
    pollfd fds[2] = {{from_child_, POLLIN, 0}, {stderr_from_child_, POLLIN, 0}};
    const nfds_t count = stderr_from_child_ >= 0 ? 2 : 1;
    const auto left = std::max<std::int64_t>(0, deadline_ms - steady_ms());
    const int ready = ::poll(fds, count, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Pumped::timeout;
    if (count == 2 && fds[1].revents != 0) drain_stderr();
    if (fds[0].revents == 0) continue;
    char chunk[chunk_bytes];
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof_ = true;
      return Pumped::eof;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return Pumped::data;
  }
}

bool ChildProcess::has_line() const {
  return buffer_.find('\n') != std::string::npos;
}

ChildProcess::Read ChildProcess::read_line(std::string& line, std::int64_t deadline_ms) {
  for (;;) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      line.assign(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      return Read::line;
    }
    if (buffer_.size() > options_.line_bytes_max) return Read::too_long;
    switch (pump(deadline_ms)) {
      case Pumped::data: break;
      case Pumped::timeout: return Read::timeout;
      case Pumped::eof: return Read::eof;
    }
  }
}

bool ChildProcess::read_all(std::string& out, std::int64_t deadline_ms, std::size_t bytes_max) {
  for (;;) {
    if (buffer_.size() >= bytes_max) break;
    const Pumped got = pump(deadline_ms);
    if (got == Pumped::eof) break;
    if (got == Pumped::timeout) {
      out += std::move(buffer_);
      buffer_.clear();
      return false;
    }
  }
  out += buffer_.substr(0, bytes_max);
  buffer_.clear();
  return true;
}

ChildProcess::Exit ChildProcess::finish(std::int64_t deadline_ms) {
  Exit exit;
  if (pid_ <= 0) return exit;
  std::int64_t nap_ms = 1;
  for (;;) {
    // WNOWAIT leaves the exited child a zombie, so its pid (our group id) cannot be reused
    // before kill_and_reap() has killed the rest of its group.
    siginfo_t info{};
    const int rc = ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0 && info.si_pid == pid_) break;
    if (rc != 0 && errno != EINTR) break;
    if (stderr_from_child_ >= 0) {
      pollfd p{stderr_from_child_, POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) drain_stderr();
    }
    const std::int64_t left = deadline_ms - steady_ms();
    if (left <= 0) {
      exit.killed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(nap_ms, left)));
    nap_ms = std::min(nap_ms * 2, exit_poll_ms_max);
  }
  exit.status = kill_and_reap();
  return exit;
}

int ChildProcess::kill_and_reap() {
  int status = -1;
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    forget_group(pid_);
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  // Captured stderr that is already there is kept (a reason for a failure), without waiting.
  for (int reads = 0; reads < stderr_drain_reads_max && stderr_from_child_ >= 0; ++reads) {
    pollfd p{stderr_from_child_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    drain_stderr();
  }
  close_fds();
  return status;
}

void ChildProcess::kill() {
  (void)kill_and_reap();
  buffer_.clear();
  eof_ = false;
}

void ChildProcess::close_fds() {
  for (int* fd : {&to_child_, &from_child_, &stderr_from_child_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

// ---- run_process --------------------------------------------------------------------------------

bool ProcessResult::ok() const {
  return started && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

ProcessResult run_process(const std::vector<std::string>& argv, int timeout_ms,
                          std::size_t out_bytes_max) {
  ProcessResult r;
  ChildProcess child;
  SpawnOptions options;
  options.stderr_mode = SpawnOptions::Stderr::capture;
  if (!child.start(argv, options, r.error)) return r;
  r.started = true;
  child.close_stdin();
  const std::int64_t deadline = steady_ms() + std::max(0, timeout_ms);
  const bool complete = child.read_all(r.out, deadline, out_bytes_max);
  const ChildProcess::Exit exit = child.finish(deadline);
  r.status = exit.status;
  r.timed_out = !complete || exit.killed;
  r.err = child.captured_stderr();
  return r;
}

void install_child_cleanup_on_signals() {
  struct sigaction action {};
  action.sa_handler = kill_children_and_die;
  sigemptyset(&action.sa_mask);
  for (int s : termination_signals) sigaddset(&action.sa_mask, s);
  action.sa_flags = SA_RESETHAND;
  for (int s : termination_signals) ::sigaction(s, &action, nullptr);
}

}  // namespace ss::base
