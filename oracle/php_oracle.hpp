#pragma once
// Real PHP as the oracle: runs a scenario in php8.2-cli through oracle/harness.php (one PHP process
// per request) or oracle/worker.php (one persistent PHP process, see PhpWorker), with a shared
// tracing store, and compares PHP's trace with the model's, event by event.
//
// This file is the orchestration; each role has its own:
//   oracle/program.hpp        scenario -> the JSON programs the harness runs
//   oracle/php_runner.hpp     running PHP: per-request processes and the persistent worker
//   oracle/trace_compare.hpp  id normalisation and the event-by-event comparison
// It includes all three, so that its users see the whole oracle through one header.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "oracle/php_runner.hpp"
#include "oracle/program.hpp"
#include "oracle/trace_compare.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

namespace ss::oracle {

struct OracleResult {
  /// The model's trace (JSON events without the run event), normalised.
  std::vector<nlohmann::json> model;
  /// PHP's trace, normalised.
  std::vector<nlohmann::json> php;
  /// PHP's trace as PHP wrote it (real ids), for judging it (real_engine.hpp).
  std::vector<nlohmann::json> php_raw;
  /// The model's `run` event (engine, variant, the effective ini).
  nlohmann::json model_run;
  /// The model's trace with the ids its seeded generator made (not normalised).
  std::vector<nlohmann::json> model_raw;
  /// The first difference, described; nullopt when the traces agree.
  std::optional<std::string> difference;
  /// A worker was given but the scenario had to run one process per request.
  bool fell_back = false;
  /// Why the worker could not run it (when fell_back).
  std::string fallback_reason;
};

/// Runs `sc` in the model (memory handler) and in real PHP. Returns nullopt and sets `error` when
/// PHP could not be run (missing binary, harness failure, timeout); `hung` (if given) tells a
/// request that did not finish in time (a module waiting forever) from the other causes.
[[nodiscard]] std::optional<OracleResult> compare_with_php(const scenarios::Scenario& sc,
                                                           const scenarios::RunConfig& cfg,
                                                           const OracleSetup& setup,
                                                           std::string& error,
                                                           bool* hung = nullptr);

}  // namespace ss::oracle
