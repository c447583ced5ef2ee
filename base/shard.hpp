#pragma once
// One shard of a campaign: `--shard I/N` (1-based, as CI matrices and people count), or
// `--shard auto` / `--shard auto/N`, which take the index from the CI's environment
// (GoogleTest's GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS, Kubernetes' JOB_COMPLETION_INDEX with
// SESSIONSPEC_TOTAL_SHARDS). Every sharded verb numbers its units (certify: rows; explore:
// schedules; mutants: mutants; the differential: cases) in the order one unsharded run takes
// them, and shard I of N runs the units u with u mod N = I - 1: N shards with one seed run
// exactly the units of one run, each once (docs/scale-out.md). Standard library only.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ss::base {

/// The most shards one campaign can be cut into: a bound on the shard records merge reads.
inline constexpr std::size_t shards_max = 10'000;

struct Shard {
  /// 0-based; printed 1-based (str()).
  std::size_t index = 0;
  std::size_t total = 1;

  /// Whether this shard runs unit `unit` (units are numbered from 0 in unsharded order).
  [[nodiscard]] bool owns(std::size_t unit) const { return unit % total == index; }
  /// Whether this is the whole campaign (1/1, an unsharded run).
  [[nodiscard]] bool whole() const { return total == 1; }
  /// "I/N", 1-based, as --shard takes it.
  [[nodiscard]] std::string str() const;
  friend bool operator==(const Shard&, const Shard&) = default;
};

/// Reads an environment variable ("" or nullopt: unset); std::getenv in the CLI, a map in tests.
using EnvLookup = std::function<std::optional<std::string>(const char*)>;

/// The process environment (std::getenv).
[[nodiscard]] EnvLookup process_env();

/// Parses a --shard value: "I/N" with 1 <= I <= N <= shards_max, "auto" or "auto/N". The error
/// is one line naming the value and what is wanted (the caller prefixes the option).
[[nodiscard]] std::variant<Shard, std::string> parse_shard(std::string_view spec,
                                                           const EnvLookup& env);

/// Tells GoogleTest-style runners that the program honours sharding: touches the file named by
/// GTEST_SHARD_STATUS_FILE when it is set (the sharding protocol's acknowledgement).
void acknowledge_shard_status(const EnvLookup& env);

}  // namespace ss::base
