#pragma once
// `sessionspec merge`: the shards of one campaign back into the outputs one unsharded run would
// have written (docs/scale-out.md). Shards of different verbs, plans, seeds or tool versions,
// a shard given twice and a missing shard are refused with one line.

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "certify/certificate.hpp"
#include "certify/mutants.hpp"

namespace ss::certify {

/// The checked shard records of one campaign.
struct ShardSet {
  std::string verb;
  /// The records, shard 1 first, and the directory each came from.
  std::vector<nlohmann::json> records;
  std::vector<std::string> dirs;
  /// Every unit of the campaign, in unit order (unsharded order), each once.
  std::vector<nlohmann::json> units;
  /// For each of `units`, the position of its record in `records`.
  std::vector<std::size_t> unit_record;
};

/// Reads DIR/shard.json of each directory and checks that they are all the shards of one
/// campaign, each once; a one-line error (naming the directory) otherwise.
[[nodiscard]] std::variant<ShardSet, std::string> load_shard_set(
    const std::vector<std::string>& dirs);

/// The certificate of a certify campaign: the first shard's head and handler records, the
/// earliest start and the latest end, every row in unsharded order. Writes the rows' L1
/// traces, in the same order, to `traces_file` (sliced from each shard's traces.jsonl); an
/// error line when a shard's traces cannot be read or the file cannot be written.
[[nodiscard]] std::variant<Certificate, std::string> merge_certificate(
    const ShardSet& set, const std::string& traces_file);

/// The rows of a mutants campaign, in catalogue order.
[[nodiscard]] std::vector<MutantRow> merge_mutants(const ShardSet& set);

}  // namespace ss::certify
