#pragma once
// Runs a scenario: one engine per request, driven against a real handler, every step reported to
// the listeners. Sequential; the explorer interleaves the same pieces.

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "handlers/seam.hpp"
#include "model/engine.hpp"
#include "scenarios/events.hpp"
#include "scenarios/scenario.hpp"

namespace ss::scenarios {

struct RunConfig {
  model::EngineKind engine = model::EngineKind::php82;
  /// Options from the command line; they override the scenario's `ini` lines.
  std::vector<std::pair<std::string, std::string>> ini;
  std::optional<model::Variant> variant;
  std::uint64_t seed = 1;
};

/// The effective options and variant of a scenario under a config. Returns an error message for
/// an unknown option.
[[nodiscard]] std::optional<std::string> resolve_options(const Scenario& sc, const RunConfig& cfg,
                                                         model::RunOptions& opts,
                                                         model::Variant& variant);

/// Runs `sc` against `backend` (whose clock must be `clock`), reporting to `listeners`.
/// Returns false when the run could not start (a bad option: `error` says why).
bool run_scenario(const Scenario& sc, const RunConfig& cfg, handlers::Backend& backend,
                  handlers::ManualClock& clock, const std::vector<Listener*>& listeners,
                  std::string& error);

/// Drives one engine procedure against a handler: the glue between model and seam.
handlers::Task<model::Outcome> drive(model::Proc<model::Outcome> proc,
                                     handlers::SessionHandler& handler, handlers::Clock& clock,
                                     std::vector<std::tuple<model::HandlerCall, model::Answer,
                                                            std::int64_t>>& log);

/// Performs one handler call and converts its Result into the Answer PHP would see.
handlers::Task<model::Answer> perform(handlers::SessionHandler& handler,
                                      const model::HandlerCall& call);

}  // namespace ss::scenarios
