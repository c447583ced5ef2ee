#pragma once
// The battery a handler must pass: the shipped scenarios (gist, lesson, php) judged by the
// conformance and expectation checkers, then the stateful property under every engine profile
// that applies. `sessionspec mutants` runs it against each mutant (a mutant the battery does not
// reject is a hole in the suites); certify can run it against a real handler.

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
  /// Cases per property run; each run stops at its first failure.
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
  /// Wall time until the rejection, or of the whole battery when nothing rejected it.
  double time_ms = 0;
};

/// Reports progress lines (for stderr).
using BatteryProgress = std::function<void(const std::string&)>;

class Battery {
 public:
  /// Loads every scenario; fails with the parse error or a missing directory.
  static std::variant<Battery, std::string> load(BatteryOptions options);

  /// Drops the scenarios the unmodified handler `base_uri` fails: their `expect` lines may be
  /// written for another kind of store (a TTL store's gc() answers 0), and a scenario the base
  /// fails cannot tell a mutant from it. Returns one line per dropped scenario.
  std::vector<std::string> calibrate(const std::string& base_uri);

  /// Runs the battery against `handler_uri` until some stage rejects it.
  [[nodiscard]] BatteryResult run(const std::string& handler_uri,
                                  const BatteryProgress& progress) const;

  [[nodiscard]] std::size_t scenario_count() const { return scenarios_.size(); }

 private:
  explicit Battery(BatteryOptions options) : options_(std::move(options)) {}
  [[nodiscard]] bool run_scenarios(const std::string& uri, BatteryResult& v) const;
  [[nodiscard]] bool run_properties(const std::string& uri, BatteryResult& v,
                                    const BatteryProgress& progress) const;

  BatteryOptions options_;
  std::vector<scenarios::Scenario> scenarios_;
};

/// The engine profiles properties run under for a handler: all three, because they differ in
/// which calls they make (ZealPHP never calls close(); the legacy profile writes under a new id
/// it never read), and each finds bugs the others cannot.
[[nodiscard]] std::vector<model::EngineKind> engines_for(const std::string& handler_uri);

}  // namespace ss::certify
