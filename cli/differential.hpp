#pragma once
// `sessionspec oracle --generated N`: the differential test as a verb mode, so that a long
// campaign can be cut into shards (docs/scale-out.md). Case i is the differential generator's
// scenario (oracle/scenario_gen.hpp) drawn from the seed and i alone, run in the model and in
// real PHP 8.2; the first difference is shrunk, saved as a .scn file and printed with its
// replay line. Exit 0 when every case agrees, 1 on a difference, 3 when PHP could not run one.

#include <cstdint>
#include <string>
#include <vector>

#include "base/shard.hpp"
#include "certify/merge.hpp"
#include "oracle/php_oracle.hpp"
#include "scenarios/runner.hpp"

namespace ss::cli {

struct DifferentialOptions {
  std::uint64_t cases = 0;
  std::uint64_t seed = 1;
  /// The model engine profile's name (the plan's, for the shard record).
  std::string engine;
  /// --ini KEY=VALUE and --variant, as given (the plan's, for the record and the replay line).
  std::vector<std::string> ini;
  std::string variant;
  base::Shard shard;
  /// Where differential.json, shard.json and a difference's .scn go ("": a difference's .scn
  /// goes to the temporary directory).
  std::string out_dir;
};

/// Runs the cases `o.shard` owns against real PHP through `setup`.
[[nodiscard]] int differential_command(const DifferentialOptions& o,
                                       const scenarios::RunConfig& cfg,
                                       const oracle::OracleSetup& setup);

/// Merges differential shards into OUT/differential.json; differential's exit code.
[[nodiscard]] int merge_differential(const certify::ShardSet& set, const std::string& out_dir);

}  // namespace ss::cli
