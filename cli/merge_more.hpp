#pragma once
// The merges of the verbs whose shard records the CLI writes itself (explore, oracle
// --generated): docs/scale-out.md.

#include <optional>
#include <string>

#include "certify/merge.hpp"

namespace ss::cli {

/// Merges `set` into `out_dir` when its verb is one of these, and returns the exit code;
/// nullopt for another verb.
[[nodiscard]] std::optional<int> merge_other(const certify::ShardSet& set,
                                             const std::string& out_dir);

}  // namespace ss::cli
