#pragma once
// Real PHP as the oracle: runs a scenario in php8.2-cli through oracle/harness.php (one PHP process
// per request, a shared tracing store) and compares PHP's trace with the model's, event by event.
// Session ids are random on both sides, so both traces are normalised (each distinct id becomes
// <id1>, <id2>, ... in order of first appearance) before they are compared.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

namespace ss::oracle {

/// Where to find PHP and the harness.
struct OracleSetup {
  std::string php = "php";
  /// The directory holding harness.php.
  std::string harness_dir;
  /// A scratch directory for programs and the store file (created if missing).
  std::string work_dir;
  /// A PHP process that runs longer than this is killed and the run fails.
  int timeout_s = 20;
};

struct OracleResult {
  /// The model's trace (JSON events without the run event), normalised.
  std::vector<nlohmann::json> model;
  /// PHP's trace, normalised.
  std::vector<nlohmann::json> php;
  /// The first difference, described; nullopt when the traces agree.
  std::optional<std::string> difference;
};

/// Runs `sc` in the model (memory handler) and in real PHP. Returns nullopt and sets `error` when
/// PHP could not be run (missing binary, harness failure, timeout).
[[nodiscard]] std::optional<OracleResult> compare_with_php(const scenarios::Scenario& sc,
                                                           const scenarios::RunConfig& cfg,
                                                           const OracleSetup& setup,
                                                           std::string& error);

/// Replaces session ids in a trace by <idN> placeholders, in order of first appearance.
void normalise_ids(std::vector<nlohmann::json>& events);

/// The fields of an event that both sides must agree on (drops seq, lane, bin and unknowns).
[[nodiscard]] nlohmann::json comparable(const nlohmann::json& event);

}  // namespace ss::oracle
