#pragma once
// The verbs of `sessionspec`. Each returns the process exit code: 0 success, 1 conformance
// failure, 2 usage or input error.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ss::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_conformance = 1;
inline constexpr int exit_input = 2;

/// Prints `sessionspec: MESSAGE` (one line) to stderr and returns exit_input.
int input_error(const std::string& message);

struct CommonOptions {
  std::vector<std::string> scenarios;
  std::string engine = "php-8.2";
  std::string handler = "memory";
  std::vector<std::string> ini;
  std::string variant;
  std::uint64_t seed = 1;
  std::string trace_file;
};

struct RunOptions : CommonOptions {
  std::string format = "text";
};

int run_command(const RunOptions& opts);
int check_command(const CommonOptions& opts);

}  // namespace ss::cli
