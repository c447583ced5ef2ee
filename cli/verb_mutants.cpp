// `sessionspec mutants`: runs the battery (shipped scenarios, then the stateful properties)
// against every deliberately broken handler over a base handler, and reports what killed each.
// A mutant that survives is a hole in the suites. Exit 0 when every applicable mutant is
// killed, 1 when one survives, 2 for bad input or when the battery rejects the base handler
// itself (then no kill would mean anything). The battery is certify/mutants.hpp.

#include <fmt/core.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "certify/mutants.hpp"
#include "certify/shard.hpp"
#include "cli/commands.hpp"
#include "cli/shard_option.hpp"
#include "cli/verbs.hpp"

namespace ss::cli {

namespace {

struct MutantsOptions {
  certify::MutantsPlan plan;
  std::string json_file;
  bool list = false;
  std::string shard;
  std::string out_dir;
};

void mutants_progress(const std::string& line) {
  std::cerr << "mutants: " << line << "\n";
}

int list_mutants() {
  for (const auto& m : handlers::mutant_catalogue()) {
    fmt::print("{:<28} {}{}\n", m.name, m.description, certify::applies_note(m.applies));
  }
  return exit_ok;
}

void print_mutant_table(const std::vector<certify::MutantRow>& rows) {
  fmt::print("{:<28} {:<8} {:>9}  {}\n", "mutant", "result", "time_ms", "killed by");
  for (const auto& r : rows) {
    if (!r.applicable) {
      fmt::print("{:<28} {:<8} {:>9}  {}\n", r.info.name, "n/a", "-",
                 certify::applies_note(r.info.applies).substr(1));
      continue;
    }
    fmt::print("{:<28} {:<8} {:>9.1f}  {}\n", r.info.name,
               r.result.rejected ? "killed" : "SURVIVED", r.result.time_ms,
               r.result.rejected ? r.result.by : "-");
    // A survivor is the verb's failure: it says how to run the battery against it again.
    if (!r.result.rejected) fmt::print("{:<28} replay: {}\n", "", r.result.replay);
  }
}

bool write_json(const std::string& file, const std::vector<certify::MutantRow>& rows) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << certify::mutants_json(rows).dump(2) << "\n";
  // The stream buffers: only closing it shows whether the file was written (D11).
  out.close();
  return out.good();
}

int run_mutants(const MutantsOptions& o) {
  if (o.list) return list_mutants();
  base::Shard shard;
  if (auto code = resolve_shard(o.shard, shard)) return *code;
  if (!shard.whole() && o.out_dir.empty()) {
    return input_error("--shard " + shard.str() +
                       ": give --out DIR (merge reads the shard from it)");
  }
  auto prepared = certify::MutantRun::prepare(o.plan);
  if (auto* e = std::get_if<std::string>(&prepared)) return input_error(*e);
  auto& run = std::get<certify::MutantRun>(prepared);
  // An output that cannot be written is refused before minutes of mutants (D11).
  if (!o.json_file.empty() && !std::ofstream(o.json_file, std::ios::binary | std::ios::app)) {
    return input_error("--json: cannot write '" + o.json_file + "'");
  }
  mutants_progress("control run: the unmodified " + o.plan.handler + " must pass");
  for (const auto& line : run.calibrate()) mutants_progress("not judging with " + line);
  fmt::print("seed={} handler={} scenarios={} property_cases={}{}\n", o.plan.seed, o.plan.handler,
             run.scenario_count(), o.plan.cases, shard.whole() ? "" : " shard=" + shard.str());
  std::fflush(stdout);
  const certify::BatteryResult control = run.control(mutants_progress);
  if (control.rejected) {
    std::cerr << "sessionspec: the battery rejects the unmodified handler " << o.plan.handler
              << " (" << control.by << "), so kills would mean nothing:\n"
              << control.detail << "\n";
    return exit_input;
  }
  std::vector<std::size_t> units;
  const std::vector<certify::MutantRow> rows = run.run(mutants_progress, shard, units);
  print_mutant_table(rows);
  if (!o.json_file.empty() && !write_json(o.json_file, rows)) {
    return input_error("--json: cannot write '" + o.json_file + "'");
  }
  if (!o.out_dir.empty()) {
    const auto record =
        certify::mutants_shard_record(o.plan, shard, run.mutant_count(), units, rows);
    if (auto e = certify::write_shard_record(o.out_dir, record)) return input_error("--out: " + *e);
    if (!write_json(o.out_dir + "/mutants.json", rows)) {
      return input_error("--out: cannot write '" + o.out_dir + "/mutants.json'");
    }
  }
  return certify::any_survivor(rows) ? exit_conformance : exit_ok;
}

}  // namespace

Verb register_mutants(CLI::App& app) {
  auto o = std::make_shared<MutantsOptions>();
  certify::MutantsPlan& p = o->plan;
  CLI::App* cmd = app.add_subcommand(
      "mutants",
      "Run the scenarios, properties and certify rows against every mutant: each must be killed");
  cmd->add_option("--handler", p.handler, "Base handler URI the mutants wrap")
      ->default_val("memory");
  cmd->add_option("--seed", p.seed, "Seed for the scenario runs and the properties")
      ->check(integer_in(0, seed_max))
      ->default_val(1);
  cmd->add_option("--json", o->json_file, "Also write the results as JSON to FILE");
  cmd->add_flag("--list", o->list, "List the mutants and exit");
  cmd->add_option(
      "--scenarios", p.scenario_dir,
      "Directory with gist/, lesson/, php/ and races/ (default: the shipped scenarios)");
  cmd->add_option("--mutant", p.only, "Run only this mutant (repeatable)");
  cmd->add_option("--cases", p.cases, "Property cases per engine profile")
      ->default_val(300)
      ->check(integer_in(1, 1'000'000));
  cmd->add_flag("--shrink", p.shrink, "Shrink property failures before reporting them");
  add_shard_option(cmd, o->shard);
  cmd->add_option("--out", o->out_dir,
                  "Write mutants.json and the shard record (shard.json, for merge) here");
  return {cmd, [o] { return run_mutants(*o); }};
}

}  // namespace ss::cli
