#pragma once
// Runs a program without a shell (posix_spawn with an argument vector, so no path or argument
// is ever parsed as shell syntax) and waits for it within a bound. The process plumbing of
// base/ (run_process) is to replace this one function when it lands.

#include <string>
#include <vector>

namespace ss::certify {

struct ProgramResult {
  /// The program ran and exited; `status` is its exit status.
  bool exited = false;
  int status = -1;
  /// Why it did not exit normally: could not start, killed by a signal, over its time bound.
  std::string error;
  /// What it wrote to stdout (at most output_bytes_max).
  std::string out;
};

/// Bounds of run_program.
inline constexpr int program_timeout_ms_max = 600'000;
inline constexpr std::size_t output_bytes_max = 1 << 20;

/// Runs argv[0] (an absolute path, or a name looked up in PATH) with `argv`, stdin from
/// /dev/null, stderr inherited, stdout captured. Kills it after `timeout_ms`.
[[nodiscard]] ProgramResult run_program(const std::vector<std::string>& argv, int timeout_ms);

}  // namespace ss::certify
