#pragma once
// The verbs of `sessionspec`. Each returns the process exit code: 0 success, 1 conformance
// failure, 2 usage or input error, 3 internal or infrastructure error.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace ss::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_conformance = 1;
inline constexpr int exit_input = 2;
/// An internal or infrastructure error: the verb could not reach a verdict.
inline constexpr int exit_internal = 3;

/// Prints `sessionspec: MESSAGE` (one line) to stderr and returns exit_input.
int input_error(const std::string& message);

/// A validator for numeric options: a decimal integer in [min, max], digits only. CLI11 alone
/// reads "-1" into an unsigned option as 2^64-1 and accepts 0x10 and 010; every numeric option
/// of every verb uses this instead, so an out-of-range value is one line and exit 2.
[[nodiscard]] CLI::Validator integer_in(std::uint64_t min, std::uint64_t max);

/// The range of seeds: any unsigned 64-bit integer.
inline constexpr std::uint64_t seed_max = std::numeric_limits<std::uint64_t>::max();

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
