#pragma once
// A child process spoken to in lines: its stdin and stdout are pipes, reads and writes have
// deadlines, and it is killed when the object goes. The persistent PHP worker (PhpWorker) and the
// real-process race runner (race_runner.hpp) both drive PHP this way.

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ss::oracle {

/// Milliseconds on the steady clock (deadlines for PhpChild).
[[nodiscard]] std::int64_t steady_ms();

class PhpChild {
 public:
  PhpChild() = default;
  ~PhpChild();
  PhpChild(const PhpChild&) = delete;
  PhpChild& operator=(const PhpChild&) = delete;

  /// Starts `argv` (argv[0] is looked up in PATH) with piped stdin/stdout; stderr is inherited.
  /// False with `message` when it cannot be started.
  bool start(const std::vector<std::string>& argv, std::string& message);
  /// Kills the child (SIGKILL) and reaps it; a no-op when none runs.
  void stop();
  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  /// The read end of the child's stdout (for poll() over several children).
  [[nodiscard]] int stdout_fd() const { return from_child_; }

  /// Writes all of `data` before `deadline_ms`; false when the child is gone or not reading.
  bool write(const std::string& data, std::int64_t deadline_ms);

  enum class Read { line, timeout, eof };
  /// One line (without its newline), waiting at most until `deadline_ms` (a deadline in the past
  /// still takes what is there). `eof` also stands for a line longer than the limit (garbage).
  /// A partial line stays buffered for the next call.
  Read read_line(std::string& line, std::int64_t deadline_ms);
  /// A complete line already buffered (no waiting).
  [[nodiscard]] bool has_line() const;

  /// After eof: waits for the exit and returns the raw wait status (-1 when not known).
  int reap();

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace ss::oracle
