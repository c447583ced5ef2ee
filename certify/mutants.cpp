#include "certify/mutants.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "base/data_dir.hpp"
#include "certify/health.hpp"
#include "certify/replay.hpp"
#include "handlers/registry.hpp"

namespace ss::certify {

namespace {

/// The mutants to run: all, or those the plan names (unknown names are an input error).
std::optional<std::vector<handlers::MutantInfo>> selected_mutants(const MutantsPlan& plan,
                                                                  std::string& error) {
  const auto& all = handlers::mutant_catalogue();
  for (const auto& name : plan.only) {
    if (std::none_of(all.begin(), all.end(), [&](const auto& m) { return m.name == name; })) {
      error = "--mutant: unknown mutant '" + name + "' (see --list)";
      return std::nullopt;
    }
  }
  std::vector<handlers::MutantInfo> out;
  for (const auto& m : all) {
    if (plan.only.empty() ||
        std::find(plan.only.begin(), plan.only.end(), m.name) != plan.only.end()) {
      out.push_back(m);
    }
  }
  return out;
}

}  // namespace

std::string applies_note(handlers::MutantApplies a) {
  switch (a) {
    case handlers::MutantApplies::any: return "";
    case handlers::MutantApplies::serialised: return " [needs a serialised (locking) handler]";
    case handlers::MutantApplies::last_writer_wins: return " [needs a last-writer-wins handler]";
    case handlers::MutantApplies::gc_collected: return " [needs a store that gc() collects]";
    case handlers::MutantApplies::refuses_odd_ids:
      return " [needs a handler that declares it refuses ids outside [A-Za-z0-9,-]]";
    case handlers::MutantApplies::under_faults: return " [needs faults: explore --faults]";
  }
  return "";
}

MutantRun::MutantRun(MutantsPlan plan, handlers::Guarantees g, std::vector<handlers::MutantInfo> m,
                     Battery b)
    : plan_(std::move(plan)), guarantees_(g), mutants_(std::move(m)), battery_(std::move(b)) {}

std::variant<MutantRun, std::string> MutantRun::prepare(const MutantsPlan& plan) {
  std::string error;
  auto spec = handlers::parse_handler_spec(plan.handler);
  if (!spec) return "--handler: " + spec.error().reason;
  if (!spec.value().decorators.empty()) return "--handler: give the base handler";
  handlers::ManualClock clock(0);
  auto base = handlers::make_isolated(spec.value(), plan.seed, clock);
  if (!base) return "--handler " + plan.handler + ": " + base.error().reason;
  const handlers::Guarantees guarantees = base.value()->guarantees();
  base.value().reset();
  // A base that cannot be used at all (a broken exec: command) is an input error in one line,
  // not a battery that rejects the unmodified handler.
  if (auto d = probe_backend(handlers::isolated_factory(spec.value()), true)) {
    return "--handler " + plan.handler + ": unusable: " + d->cause;
  }
  auto mutants = selected_mutants(plan, error);
  if (!mutants) return error;
  std::string dir = plan.scenario_dir;
  if (dir.empty()) {
    const base::DataPath shipped = base::data_path("scenarios");
    if (!shipped) return shipped.error;
    dir = shipped.path;
  }
  auto loaded = Battery::load(BatteryOptions{dir, plan.seed, plan.cases, plan.shrink});
  if (auto* e = std::get_if<std::string>(&loaded)) return *e;
  return MutantRun(plan, guarantees, std::move(*mutants), std::move(std::get<Battery>(loaded)));
}

BatteryResult MutantRun::control(const BatteryProgress& progress) const {
  return battery_.run(plan_.handler, progress);
}

std::vector<MutantRow> MutantRun::run(const BatteryProgress& progress) const {
  std::vector<std::size_t> units;
  return run(progress, base::Shard{}, units);
}

std::vector<MutantRow> MutantRun::run(const BatteryProgress& progress, const base::Shard& shard,
                                      std::vector<std::size_t>& units) const {
  std::vector<MutantRow> rows;
  for (std::size_t unit = 0; unit < mutants_.size(); ++unit) {
    if (!shard.owns(unit)) continue;
    units.push_back(unit);
    const auto& m = mutants_[unit];
    MutantRow row{m, handlers::mutant_applies(m, guarantees_), {}};
    if (row.applicable) {
      row.result = battery_.run("mutant:" + m.name + "+" + plan_.handler, {});
      // A survivor's replay runs the battery against it again; a kill's shows the kill.
      if (!row.result.rejected) row.result.replay = rerun_mutant_line(plan_, m.name);
      const BatteryResult& r = row.result;
      if (progress) {
        progress(fmt::format("{}: {} ({:.1f} ms)", m.name,
                             r.rejected ? "killed by " + r.by : "SURVIVED", r.time_ms));
        if (r.rejected) progress("  " + r.detail.substr(0, r.detail.find('\n')));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json mutants_json(const std::vector<MutantRow>& rows) {
  nlohmann::json mutants = nlohmann::json::array();
  for (const auto& r : rows) {
    if (!r.applicable) continue;  // The report lists what this base can judge.
    mutants.push_back(
        {{"name", r.info.name},
         {"description", r.info.description},
         {"killed", r.result.rejected},
         {"killed_by", r.result.by},
         {"replay",
          r.result.replay.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.result.replay)},
         {"time_ms", static_cast<double>(static_cast<long>(r.result.time_ms * 10)) / 10.0}});
  }
  return nlohmann::json{{"version", 1}, {"mutants", mutants}};
}

bool any_survivor(const std::vector<MutantRow>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const MutantRow& r) { return r.applicable && !r.result.rejected; });
}

}  // namespace ss::certify
