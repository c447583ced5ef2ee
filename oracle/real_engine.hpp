#pragma once
// Real-engine mode for one scenario: the requests run in real PHP 8.2 with a real session module
// doing the storing (php_module.hpp), and PHP's trace is judged the way `sessionspec check` judges
// an in-process handler: every handler answer against the reference store (with the module's
// declared store guarantees), every script-visible result against the php-8.2 model fed with
// those answers, and the scenario's `expect` lines.

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "oracle/php_module.hpp"
#include "oracle/php_oracle.hpp"
#include "scenarios/events.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/scenario.hpp"

namespace ss::oracle {

struct RealEngineResult {
  /// The first disagreement; nullopt when PHP's module behaved like a correct store.
  std::optional<scenarios::Failure> failure;
  /// Why the scenario does not apply to a module (nothing ran), or "" when it ran.
  std::string skipped;
  /// PHP's trace as PHP wrote it.
  std::vector<nlohmann::json> php;
};

/// The scenario as real-engine mode can judge it: `expect cookies` lines are dropped, because
/// the CLI SAPI keeps no headers (Set-Cookie is not observable; oracle/README.md), and so are
/// `expect calls` lines of scenarios written for another handler shape than a SessionHandler
/// subclass (they name validateId or updateTimestamp, which the wrapper cannot have; every call
/// is still judged against the model of the sessionhandler shape). A scenario that pins another
/// variant (`variant full`) describes that shape's results: none of its lines is judged.
[[nodiscard]] scenarios::Scenario judgeable(const scenarios::Scenario& sc);

/// Why real-engine mode does not run `sc`, or "": a scenario with `fault` lines judges PHP's
/// reaction to a handler's answers (proven against the oracle's tracing handlers), and a fault
/// replacing a module's call would leave the module in a state PHP never puts it in (the files
/// module's destroy() without the read that opened the file).
[[nodiscard]] std::string not_for_modules(const scenarios::Scenario& sc);

/// Runs `sc` through `module` in real PHP (`setup`: PHP, harness, worker, work directory; its
/// `module` field is ignored and replaced by `store`), judged by the judge `check` uses (with
/// the module's declared guarantees; Set-Cookie is not observed). `listeners` see the judged
/// events (for traces). An error when PHP could not run the scenario at all.
[[nodiscard]] base::Result<RealEngineResult> run_real_engine(
    const scenarios::Scenario& sc, const PhpModuleUri& module, const ModuleSetup& store,
    const OracleSetup& setup, std::uint64_t seed,
    const std::vector<scenarios::Listener*>& listeners);

}  // namespace ss::oracle
