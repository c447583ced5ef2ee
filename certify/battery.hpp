#pragma once
// The battery a handler must pass: the shipped scenarios (gist, lesson, php) judged by the
// conformance and expectation checkers, the stateful property under every engine profile that
// applies, and certify's own rows for what neither can see: `L2.create-sid` (ids that repeat or
// carry too little entropy) and `L3.race.*` (the race catalogue, when the scenario folder has
// races/), judged as certify judges them. Cheap stages go first (Battery::run). `sessionspec
// mutants` runs it against each mutant (a mutant the battery does not reject is a hole in the
// suites); certify can run it against a real handler.

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "model/engine.hpp"
#include "scenarios/scenario.hpp"

namespace ss::certify {

struct BatteryOptions {
  /// A directory holding gist/, lesson/ and php/ with *.scn files (subdirectories of those,
  /// such as php/pending/, are not read).
  std::string scenario_dir;
  /// Seeds the scenario runs and the properties.
  std::uint64_t seed = 1;
  /// Cases per property run (after a first round of at most 30); each run stops at its first
  /// failure.
  int property_cases = 300;
  /// Shrink a property failure before reporting it (slower; the verdict is the same).
  bool shrink = false;
};

/// Why a handler was rejected, or that it was not.
struct BatteryResult {
  bool rejected = false;
  /// The stage that rejected it: `scenario NAME (line N)` or `property ID (case N)`.
  std::string by;
  /// The failure's explanation (several lines).
  std::string detail;
  /// The command that shows the rejection again (`sessionspec check ...` for a scenario,
  /// `sessionspec replay TOKEN` for a property case); "" when there is none.
  std::string replay;
  /// Wall time until the rejection, or of the whole battery when nothing rejected it.
  double time_ms = 0;
};

/// Reports progress lines (for stderr).
using BatteryProgress = std::function<void(const std::string&)>;

class Battery {
 public:
  /// Loads every scenario; fails with the parse error or a missing directory.
  static std::variant<Battery, std::string> load(BatteryOptions options);

  /// Drops the scenarios and certify rows the unmodified handler `base_uri` fails: their
  /// `expect` lines may be written for another kind of store (a TTL store's gc() answers 0), and
  /// a scenario or row the base fails cannot tell a mutant from it. Returns one line per dropped
  /// scenario or row ("scenario NAME: why", "row ID: why").
  std::vector<std::string> calibrate(const std::string& base_uri);

  /// Runs the battery against `handler_uri` until some stage rejects it: the scenarios, 30
  /// property cases per profile, certify's rows (not again for the handler calibrate() judged
  /// them for), then the properties' full budget.
  [[nodiscard]] BatteryResult run(const std::string& handler_uri,
                                  const BatteryProgress& progress) const;

  [[nodiscard]] std::size_t scenario_count() const { return scenarios_.size(); }
  /// The certify rows the battery runs after the properties (calibrate() may drop some).
  [[nodiscard]] const std::vector<std::string>& certify_rows() const { return rows_; }

 private:
  explicit Battery(BatteryOptions options) : options_(std::move(options)) {}
  [[nodiscard]] bool run_scenarios(const std::string& uri, BatteryResult& v) const;
  [[nodiscard]] bool run_properties(const std::string& uri, int cases, BatteryResult& v,
                                    const BatteryProgress& progress) const;
  /// Runs `rows` against `uri` as certify does; the first failing or unjudged row rejects it
  /// (fills `v`), and `failed` gets every row that did not pass or find.
  bool run_certify_rows(const std::string& uri, const std::vector<std::string>& rows,
                        BatteryResult& v, std::vector<std::string>* failed) const;

  BatteryOptions options_;
  std::vector<scenarios::Scenario> scenarios_;
  /// Row ids of certify (`L2.create-sid`, `L3.race.NAME`) run after the properties.
  std::vector<std::string> rows_;
  /// The handler calibrate() judged the rows for: they are not run for it again.
  std::string rows_judged_for_;
};

/// The engine profiles properties run under for a handler: all three, because they differ in
/// which calls they make (ZealPHP never calls close(); the legacy profile writes under a new id
/// it never read), and each finds bugs the others cannot.
[[nodiscard]] std::vector<model::EngineKind> engines_for(const std::string& handler_uri);

}  // namespace ss::certify
