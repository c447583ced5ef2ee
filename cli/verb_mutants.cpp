// `sessionspec mutants`: runs the battery (shipped scenarios, then the stateful properties)
// against every deliberately broken handler over a base handler, and reports what killed each.
// A mutant that survives is a hole in the suites. Exit 0 when every applicable mutant is
// killed, 1 when one survives, 2 for bad input or when the battery rejects the base handler
// itself (then no kill would mean anything).

#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/data_dir.hpp"
#include "cli/commands.hpp"
#include "cli/verbs.hpp"
#include "handlers/registry.hpp"
#include "handlers/testing/mutants.hpp"
#include "properties/battery.hpp"

namespace ss::cli {

namespace {

struct MutantsOptions {
  std::string handler = "memory";
  std::uint64_t seed = 1;
  std::string json_file;
  bool list = false;
  std::string scenario_dir;
  std::vector<std::string> only;
  int cases = 300;
  bool shrink = false;
};

/// One mutant's line of the report.
struct MutantRow {
  handlers::MutantInfo info;
  bool applicable = true;
  properties::Verdict verdict;
};

void mutants_progress(const std::string& line) {
  std::cerr << "mutants: " << line << "\n";
}

/// Which bases a mutant needs, for --list and the table ("" for any base).
std::string applies_note(handlers::MutantApplies a) {
  switch (a) {
    case handlers::MutantApplies::any: return "";
    case handlers::MutantApplies::serialised: return " [needs a serialised (locking) handler]";
    case handlers::MutantApplies::last_writer_wins: return " [needs a last-writer-wins handler]";
    case handlers::MutantApplies::gc_collected: return " [needs a store that gc() collects]";
    case handlers::MutantApplies::under_faults: return " [needs faults: explore --faults]";
  }
  return "";
}

int list_mutants() {
  for (const auto& m : handlers::mutant_catalogue()) {
    fmt::print("{:<28} {}{}\n", m.name, m.description, applies_note(m.applies));
  }
  return exit_ok;
}

/// The first line of a multi-line explanation, for the table.
std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

void print_mutant_table(const std::vector<MutantRow>& rows) {
  fmt::print("{:<28} {:<8} {:>9}  {}\n", "mutant", "result", "time_ms", "killed by");
  for (const auto& r : rows) {
    if (!r.applicable) {
      fmt::print("{:<28} {:<8} {:>9}  {}\n", r.info.name, "n/a", "-",
                 applies_note(r.info.applies).substr(1));
      continue;
    }
    fmt::print("{:<28} {:<8} {:>9.1f}  {}\n", r.info.name,
               r.verdict.rejected ? "killed" : "SURVIVED", r.verdict.time_ms,
               r.verdict.rejected ? r.verdict.by : "-");
  }
}

bool write_json(const std::string& file, const std::vector<MutantRow>& rows) {
  nlohmann::json mutants = nlohmann::json::array();
  for (const auto& r : rows) {
    if (!r.applicable) continue;  // The report lists what this base can judge.
    mutants.push_back({{"name", r.info.name},
                       {"description", r.info.description},
                       {"killed", r.verdict.rejected},
                       {"killed_by", r.verdict.by},
                       {"time_ms", static_cast<double>(static_cast<long>(r.verdict.time_ms * 10)) /
                                       10.0}});
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << nlohmann::json{{"version", 1}, {"mutants", mutants}}.dump(2) << "\n";
  return out.good();
}

/// The mutants to run: all, or those --mutant names (unknown names are an input error).
std::optional<std::vector<handlers::MutantInfo>> selected(const MutantsOptions& o,
                                                          std::string& error) {
  std::vector<handlers::MutantInfo> out;
  for (const auto& m : handlers::mutant_catalogue()) {
    if (o.only.empty() || std::find(o.only.begin(), o.only.end(), m.name) != o.only.end()) {
      out.push_back(m);
    }
  }
  for (const auto& name : o.only) {
    const auto& all = handlers::mutant_catalogue();
    if (std::none_of(all.begin(), all.end(), [&](const auto& m) { return m.name == name; })) {
      error = "--mutant: unknown mutant '" + name + "' (see --list)";
      return std::nullopt;
    }
  }
  return out;
}

int run_mutants(const MutantsOptions& o) {
  if (o.list) return list_mutants();
  std::string error;
  auto spec = handlers::parse_handler_spec(o.handler);
  if (!spec) return input_error("--handler: " + spec.error().reason);
  if (!spec.value().decorators.empty()) return input_error("--handler: give the base handler");
  handlers::ManualClock clock(0);
  auto base = handlers::make_isolated(spec.value(), o.seed, clock);
  if (!base) return input_error("--handler " + o.handler + ": " + base.error().reason);
  const handlers::Guarantees guarantees = base.value()->guarantees();
  base.value().reset();
  auto mutants = selected(o, error);
  if (!mutants) return input_error(error);
  const base::DataPath shipped = base::data_path("scenarios");
  if (o.scenario_dir.empty() && !shipped) return input_error(shipped.error);
  const std::string& dir = o.scenario_dir.empty() ? shipped.path : o.scenario_dir;
  auto loaded =
      properties::Battery::load(properties::BatteryOptions{dir, o.seed, o.cases, o.shrink});
  if (auto* e = std::get_if<std::string>(&loaded)) return input_error(*e);
  auto& battery = std::get<properties::Battery>(loaded);
  mutants_progress("control run: the unmodified " + o.handler + " must pass");
  for (const auto& line : battery.calibrate(o.handler)) {
    mutants_progress("not judging with scenario " + line);
  }
  fmt::print("seed={} handler={} scenarios={} property_cases={}\n", o.seed, o.handler,
             battery.scenario_count(), o.cases);
  std::fflush(stdout);
  const properties::Verdict control = battery.run(o.handler, mutants_progress);
  if (control.rejected) {
    std::cerr << "sessionspec: the battery rejects the unmodified handler " << o.handler
              << " (" << control.by << "), so kills would mean nothing:\n"
              << control.detail << "\n";
    return exit_input;
  }
  std::vector<MutantRow> rows;
  for (const auto& m : *mutants) {
    MutantRow row{m, handlers::mutant_applies(m, guarantees), {}};
    if (row.applicable) {
      row.verdict = battery.run("mutant:" + m.name + "+" + o.handler, {});
      mutants_progress(fmt::format(
          "{}: {} ({:.1f} ms)", m.name,
          row.verdict.rejected ? "killed by " + row.verdict.by : "SURVIVED", row.verdict.time_ms));
      if (row.verdict.rejected) mutants_progress("  " + first_line(row.verdict.detail));
    }
    rows.push_back(std::move(row));
  }
  print_mutant_table(rows);
  if (!o.json_file.empty() && !write_json(o.json_file, rows)) {
    return input_error("--json: cannot write '" + o.json_file + "'");
  }
  const bool survivor = std::any_of(rows.begin(), rows.end(), [](const MutantRow& r) {
    return r.applicable && !r.verdict.rejected;
  });
  return survivor ? exit_conformance : exit_ok;
}

}  // namespace

Verb register_mutants(CLI::App& app) {
  auto o = std::make_shared<MutantsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "mutants", "Run the scenarios and properties against every mutant: each must be killed");
  cmd->add_option("--handler", o->handler, "Base handler URI the mutants wrap")
      ->default_val("memory");
  cmd->add_option("--seed", o->seed, "Seed for the scenario runs and the properties")
      ->default_val(1);
  cmd->add_option("--json", o->json_file, "Also write the results as JSON to FILE");
  cmd->add_flag("--list", o->list, "List the mutants and exit");
  cmd->add_option("--scenarios", o->scenario_dir,
                  "Directory with gist/, lesson/ and php/ (default: the shipped scenarios)");
  cmd->add_option("--mutant", o->only, "Run only this mutant (repeatable)");
  cmd->add_option("--cases", o->cases, "Property cases per engine profile")
      ->default_val(300)
      ->check(CLI::Range(1, 1000000));
  cmd->add_flag("--shrink", o->shrink, "Shrink property failures before reporting them");
  return {cmd, [o] { return run_mutants(*o); }};
}

}  // namespace ss::cli
