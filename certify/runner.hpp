#pragma once
// The level loops, written once for every target: L1 runs the shipped scenarios, L2 the
// target's contract suites, L3 the race catalogue, each row judged by the verdict policy of
// docs/certify.md.

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "certify/certificate.hpp"
#include "certify/plan.hpp"
#include "certify/target.hpp"

namespace ss::certify {

/// Progress lines (for stderr); may be empty.
using Progress = std::function<void(const std::string&)>;

/// What a run reports to besides its rows.
struct RunHooks {
  Progress progress;
  /// Where the L1 traces go as JSON lines (traces.jsonl of the report); nullptr: nowhere.
  std::ostream* trace = nullptr;
};

/// Certifies `target` at every level the plan asks for: appends its handler record and its
/// rows to `c`.
void certify_target(const Plan& plan, Target& target, const RunHooks& hooks, Certificate& c);

/// Every row id `target` has at the plan's levels, filters not applied: L1 folders, the target's
/// L2 suites, and `L3.race.NAME` for each of `races` (the race catalogue's scenario names).
[[nodiscard]] std::vector<std::string> row_ids(const Plan& plan, const Target& target,
                                               const std::vector<std::string>& races);

/// The `.scn` files of `dir` (not its subfolders), parsed, in file-name order; `error` gets
/// the first parse error or why the folder cannot be read.
[[nodiscard]] std::vector<scenarios::Scenario> load_folder(const std::string& dir,
                                                           std::string& error);

}  // namespace ss::certify
