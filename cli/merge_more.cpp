#include "cli/merge_more.hpp"

#include "cli/differential.hpp"
#include "cli/explore_shard.hpp"

namespace ss::cli {

std::optional<int> merge_other(const certify::ShardSet& set, const std::string& out_dir) {
  if (set.verb == "explore") return merge_explore(set, out_dir);
  if (set.verb == "oracle-generated") return merge_differential(set, out_dir);
  return std::nullopt;
}

}  // namespace ss::cli
