#pragma once
// --shard, the same option on every verb that can be cut into shards (certify, explore,
// mutants, oracle --generated): docs/scale-out.md.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "base/shard.hpp"

namespace ss::cli {

/// Adds `--shard I/N|auto|auto/N` to `cmd`, read into `spec` ("" when not given).
CLI::Option* add_shard_option(CLI::App* cmd, std::string& spec);

/// Resolves a --shard value into `shard` (1/1 when none was given); on a bad value prints one
/// line and returns exit_input.
[[nodiscard]] std::optional<int> resolve_shard(const std::string& spec, base::Shard& shard);

}  // namespace ss::cli
