#pragma once
// explore's machine-readable result (explore.json) and shard record (docs/scale-out.md). The
// units of explore are schedule indices: schedule i is drawn from the seed and i alone (random
// and sticky strategies), so shard I of N runs the schedules i with i mod N = I - 1 and each
// shard's record summarises what it ran instead of listing millions of schedules.

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/shard.hpp"
#include "certify/merge.hpp"

namespace ss::cli {

/// What one explore run (or shard) found.
struct ExploreSummary {
  /// Schedules run: up to the first violation (that schedule not counted, as explore prints it).
  std::size_t schedules_run = 0;
  /// The strategy had nothing more to explore (exhaustive DFS).
  bool exhausted = false;
  struct Found {
    /// The schedule index of the first violation, and its shrunk schedule and replay line.
    std::size_t index = 0;
    std::string property;
    std::string detail;
    std::string schedule;
    std::string replay;
  };
  std::optional<Found> violation;
  /// Without a violation: schedules per property the declared guarantee allows.
  std::map<std::string, std::size_t> findings;
};

/// Writes DIR/explore.json (`plan`: what was explored) and, for `shard`, DIR/shard.json; an
/// error line when a file cannot be written.
[[nodiscard]] std::optional<std::string> write_explore_outputs(const std::string& dir,
                                                               const nlohmann::json& plan,
                                                               std::uint64_t seed,
                                                               const base::Shard& shard,
                                                               const ExploreSummary& summary);

/// Merges explore shards into OUT/explore.json, prints the result, returns explore's exit code.
[[nodiscard]] int merge_explore(const certify::ShardSet& set, const std::string& out_dir);

}  // namespace ss::cli
