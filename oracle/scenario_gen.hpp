#pragma once
// The differential generator: random scenarios (requests of script calls across ini settings,
// handler variants and stored sessions, with injected handler failures, abnormal ends and
// shutdown functions) as .scn text (docs/scenario-format.md), so that a
// counterexample is a file that can be saved under scenarios/php/ as it is. Used by the
// model-vs-PHP differential test (tests/php/php_diff_test.cpp) and by `certify` on real PHP
// modules (L2). Choices shrink towards their first element, so the first entry of each list is
// the simplest.

#include <rapidcheck.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace ss::oracle {

struct GenRequest {
  std::string header;  // "request", "request cookie=none", ...
  std::vector<std::string> calls;
};

struct GenScenario {
  std::vector<std::string> header;
  std::vector<GenRequest> requests;
};

/// What the generator may draw besides script calls.
struct GenOptions {
  /// `fault` lines. Real-engine mode (a PHP module certified, oracle/real_engine.hpp) skips
  /// scenarios with faults, so its generator leaves them out.
  bool faults = true;
};

[[nodiscard]] rc::Gen<GenScenario> gen_scenario(GenOptions options = {});

/// The scenario as .scn text.
[[nodiscard]] std::string scn_text(const GenScenario& g);

/// How RapidCheck prints a counterexample: as the .scn file it stands for.
void showValue(const GenScenario& g, std::ostream& os);

/// Runs `property` for `cases` cases from `seed` (explicit parameters, not RC_PARAMS, so that a
/// run is fixed). True when every case passed; `message` gets RapidCheck's report.
bool check_cases(const std::string& name, std::uint64_t cases, std::uint64_t seed,
                 const std::function<void()>& property, std::string& message);

}  // namespace ss::oracle
