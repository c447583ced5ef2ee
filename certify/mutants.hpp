#pragma once
// The mutant battery as `sessionspec mutants` runs it: every deliberately broken handler over a
// base handler must be rejected by the battery (certify/battery.hpp). A mutant that survives is
// a hole in the suites.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/shard.hpp"
#include "certify/battery.hpp"
#include "handlers/testing/mutants.hpp"

namespace ss::certify {

struct MutantsPlan {
  /// The base handler the mutants wrap.
  std::string handler = "memory";
  std::uint64_t seed = 1;
  /// A folder with gist/, lesson/ and php/; "": the shipped scenarios (base::data_path).
  std::string scenario_dir;
  /// Mutant names to run (`--mutant`); empty: all.
  std::vector<std::string> only;
  int cases = 300;
  bool shrink = false;
};

/// One mutant's line of the report.
struct MutantRow {
  handlers::MutantInfo info;
  /// Whether its bug can show on the base (its declared guarantees decide).
  bool applicable = true;
  BatteryResult result;
};

/// Which bases a mutant needs, as a note for lists and tables ("" for any base).
[[nodiscard]] std::string applies_note(handlers::MutantApplies a);

class MutantRun {
 public:
  /// Checks the plan (the base must be a handler that can be made, not a mutant; every
  /// --mutant name must exist) and loads the battery; a one-line error otherwise.
  static std::variant<MutantRun, std::string> prepare(const MutantsPlan& plan);

  /// Drops the scenarios and rows the unmodified base fails (Battery::calibrate); one line each.
  std::vector<std::string> calibrate() { return battery_.calibrate(plan_.handler); }
  /// The battery against the unmodified base: it must not be rejected, or kills mean nothing.
  [[nodiscard]] BatteryResult control(const BatteryProgress& progress) const;
  /// Every selected mutant against the battery, in catalogue order.
  [[nodiscard]] std::vector<MutantRow> run(const BatteryProgress& progress) const;
  /// The selected mutants `shard` owns (the u-th selected mutant is unit u), in catalogue
  /// order; `units` gets the number of each row (docs/scale-out.md).
  [[nodiscard]] std::vector<MutantRow> run(const BatteryProgress& progress,
                                           const base::Shard& shard,
                                           std::vector<std::size_t>& units) const;
  /// How many mutants the plan selected: the units of a sharded run.
  [[nodiscard]] std::size_t mutant_count() const { return mutants_.size(); }

  [[nodiscard]] std::size_t scenario_count() const { return battery_.scenario_count(); }

 private:
  MutantRun(MutantsPlan plan, handlers::Guarantees g, std::vector<handlers::MutantInfo> m,
            Battery b);

  MutantsPlan plan_;
  handlers::Guarantees guarantees_;
  std::vector<handlers::MutantInfo> mutants_;
  Battery battery_;
};

/// mutants.json (reports/README.md, "Mutants"): the applicable mutants and what killed each.
[[nodiscard]] nlohmann::json mutants_json(const std::vector<MutantRow>& rows);

/// Whether some applicable mutant survived.
[[nodiscard]] bool any_survivor(const std::vector<MutantRow>& rows);

}  // namespace ss::certify
