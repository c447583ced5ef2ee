#pragma once
// Encoding scenarios as the programs oracle/harness.php and oracle/worker.php run (the oracle's
// first role; oracle/README.md, "Program format"): one JSON object per request, with its cookie,
// clock, ini, seeded store and script calls. Pure data: nothing here runs PHP.

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/calls.hpp"
#include "scenarios/scenario.hpp"

namespace ss::oracle {

/// Real-engine mode (oracle/README.md, "Modules"): the harness's SessionHandler wrapper proxies
/// one of PHP's own session modules untouched, so PHP's module does the storing.
struct ModuleSetup {
  /// The session module: "files" or "redis" (phpredis).
  std::string module;
  /// session.save_path: the files module's directory, or phpredis's tcp://HOST:PORT?prefix=P.
  std::string save_path;
  /// Further ini settings (full names), e.g. redis.session.locking_enabled=1.
  std::map<std::string, std::string> ini;
};

/// What the request programs of one scenario run share.
struct ProgramContext {
  const scenarios::Scenario* sc = nullptr;
  /// The model's effective variant and ini (its run event), so that PHP runs what the model ran.
  std::string variant;
  std::map<std::string, std::string> ini;
  /// The tracing store's file (the full and basic variants store there).
  std::string store_file;
  /// Set in real-engine mode.
  const ModuleSetup* module = nullptr;
};

/// A script call as the harness takes it.
[[nodiscard]] nlohmann::json call_program(const model::ScriptCall& call);

/// A `fault` line as the harness takes it (oracle/README.md, "Program format").
[[nodiscard]] nlohmann::json fault_program(const model::Fault& fault);

/// The scenario's `store` lines as the harness seeds them.
[[nodiscard]] nlohmann::json seeds_program(const std::vector<scenarios::StoredSeed>& seeds);

/// The program of request `index` (0-based) of `ctx.sc`: sent with `cookie` (none when nullopt)
/// at virtual time `now_s`, its events numbered from `seq_start`. The first request seeds the
/// store (and, in real-engine mode, empties the module's store first).
[[nodiscard]] nlohmann::json request_program(const ProgramContext& ctx, std::size_t index,
                                             const std::optional<std::string>& cookie,
                                             std::int64_t now_s, int seq_start);

/// A request that makes no calls: it empties the module's store and puts `seeds` in place.
[[nodiscard]] nlohmann::json reset_store_program(const ModuleSetup& store,
                                                 const nlohmann::json& ini,
                                                 const std::vector<scenarios::StoredSeed>& seeds,
                                                 std::int64_t now_s);

}  // namespace ss::oracle
