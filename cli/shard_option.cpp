#include "cli/shard_option.hpp"

#include "cli/commands.hpp"

namespace ss::cli {

CLI::Option* add_shard_option(CLI::App* cmd, std::string& spec) {
  return cmd->add_option(
      "--shard", spec,
      "Run shard I of N (1-based) of the units one run would run; `auto` takes the index from "
      "GTEST_SHARD_INDEX or JOB_COMPLETION_INDEX (auto/N: N shards); merge the shards with "
      "`sessionspec merge` (docs/scale-out.md)");
}

std::optional<int> resolve_shard(const std::string& spec, base::Shard& shard) {
  shard = base::Shard{};
  if (spec.empty()) return std::nullopt;
  const base::EnvLookup env = base::process_env();
  auto parsed = base::parse_shard(spec, env);
  if (auto* e = std::get_if<std::string>(&parsed)) return input_error("--shard " + *e);
  shard = std::get<base::Shard>(parsed);
  base::acknowledge_shard_status(env);
  return std::nullopt;
}

}  // namespace ss::cli
