#pragma once
// Child processes, started once and spoken to in lines: the exec handler's external handlers, the
// PHP oracle's per-request processes and its persistent worker, the real-process race runner and
// the report generator all start their children here.
//
// What every child gets, so that no caller has to remember it:
//   * no shell: argv[0] is looked up in PATH and the arguments reach it as they are, so a path or
//     a class name is never parsed by sh (whoever wants a shell passes /bin/sh -c explicitly);
//   * a process group of its own, killed as a whole (SIGKILL) when the ChildProcess goes, so
//     whatever the child started dies with it;
//   * a deadline on every read, write and wait (steady_ms() time base): no call blocks forever,
//     also when the child closes its stdout and keeps running;
//   * writes that cannot raise SIGPIPE in this process (SIGPIPE is blocked while writing and a
//     pending one consumed): a dead child is an error value, not our death;
//   * stderr inherited, captured (bounded) or discarded.
// install_child_cleanup_on_signals() makes SIGINT, SIGTERM and SIGHUP kill every live child's
// group before sessionspec dies of the signal.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ss::base {

/// Milliseconds on the steady clock: the time base of every deadline here.
[[nodiscard]] std::int64_t steady_ms();

/// A wait status in words: "exited with status 3", "was killed by signal 9".
[[nodiscard]] std::string describe_wait_status(int status);

/// How a child is started.
struct SpawnOptions {
  enum class Stderr : std::uint8_t { inherit, capture, discard };
  Stderr stderr_mode = Stderr::inherit;
  /// Captured stderr keeps its first this many bytes; the rest is read and dropped so that the
  /// child never blocks on a full pipe.
  std::size_t stderr_bytes_max = 64 * 1024;
  /// A stdout line longer than this is garbage: read_line() answers Read::too_long.
  std::size_t line_bytes_max = std::size_t{128} << 20;
};

/// One child process with piped stdin and stdout. Not thread-safe; one owner.
class ChildProcess {
 public:
  ChildProcess() = default;
  /// Kills the child's process group and reaps the child.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Starts `argv` (argv[0] looked up in PATH unless it holds a '/'); a running child is killed
  /// first. False with a one-line `error` when it cannot be started.
  bool start(const std::vector<std::string>& argv, const SpawnOptions& options, std::string& error);
  /// Started and not yet reaped.
  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  /// The read end of the child's stdout, for poll() over several children (-1 when none).
  [[nodiscard]] int stdout_fd() const { return from_child_; }

  /// Writes all of `data` before `deadline_ms`; false when the child is gone or not reading.
  bool write(std::string_view data, std::int64_t deadline_ms);
  /// Closes the child's stdin: a well-behaved child sees end of file and exits.
  void close_stdin();

  enum class Read : std::uint8_t { line, timeout, eof, too_long };
  /// One stdout line (without its newline), waiting at most until `deadline_ms`; a deadline in
  /// the past still takes what the pipe holds already. A partial line stays buffered. At end of
  /// file an unterminated last line is dropped.
  Read read_line(std::string& line, std::int64_t deadline_ms);
  /// A complete line is buffered (no waiting).
  [[nodiscard]] bool has_line() const;
  /// Reads stdout to its end (or `deadline_ms`, or `bytes_max`) and hands out everything not yet
  /// read as lines. False when the deadline passed first.
  bool read_all(std::string& out, std::int64_t deadline_ms, std::size_t bytes_max);

  /// How a child ended.
  struct Exit {
    /// The raw wait status (-1 when no child ran).
    int status = -1;
    /// It had not exited by the deadline and was killed.
    bool killed = false;
  };
  /// Waits until the child exits or `deadline_ms` passes (then kills it), kills whatever else
  /// still runs in its process group, and reaps it.
  Exit finish(std::int64_t deadline_ms);
  /// Kills the process group now and reaps the child; a no-op when none runs.
  void kill();

  /// What the child wrote to stderr so far (Stderr::capture), at most stderr_bytes_max bytes.
  [[nodiscard]] const std::string& captured_stderr() const { return stderr_; }

 private:
  enum class Pumped : std::uint8_t { data, timeout, eof };
  /// Waits at most until `deadline_ms` for output on stdout or captured stderr and reads it.
  Pumped pump(std::int64_t deadline_ms);
  void drain_stderr();
  /// Kills the group (the leader is a zombie or alive, so its id is still ours), then reaps.
  int kill_and_reap();
  void close_fds();

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  int stderr_from_child_ = -1;
  SpawnOptions options_;
  std::string buffer_;
  std::string stderr_;
  bool eof_ = false;
};

/// How run_process() ended.
struct ProcessResult {
  /// False when the program could not be started; `error` says why.
  bool started = false;
  std::string error;
  /// The raw wait status.
  int status = -1;
  /// The deadline passed and the process (group) was killed.
  bool timed_out = false;
  /// Its stdout (at most the bound given) and its stderr (at most 64 KiB).
  std::string out;
  std::string err;
  /// Started, finished in time and exited with status 0.
  [[nodiscard]] bool ok() const;
};

/// Runs `argv` to completion with stdin at end of file, stdout and stderr captured, killed (with
/// its group) after `timeout_ms`. No shell is involved.
[[nodiscard]] ProcessResult run_process(const std::vector<std::string>& argv, int timeout_ms,
                                        std::size_t out_bytes_max = std::size_t{16} << 20);

/// Makes SIGINT, SIGTERM and SIGHUP kill the process group of every live ChildProcess, then end
/// this process by the same signal (the default action). Call once, early in main().
void install_child_cleanup_on_signals();

}  // namespace ss::base
