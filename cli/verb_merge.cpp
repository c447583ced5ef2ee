// `sessionspec merge DIR...`: the shards of one campaign (certify, mutants, explore or
// oracle --generated run with --shard) into the outputs one unsharded run writes
// (docs/scale-out.md). Exit codes are those of the verb the shards ran; a set of shards that is
// not one whole campaign is an input error (exit 2).

#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/data_dir.hpp"
#include "certify/merge.hpp"
#include "certify/report.hpp"
#include "cli/commands.hpp"
#include "cli/merge_more.hpp"
#include "cli/verbs.hpp"

namespace ss::cli {

namespace {

namespace fs = std::filesystem;

struct MergeOptions {
  std::vector<std::string> dirs;
  std::string out_dir;
  std::string junit_file;
};

int merge_certify(const MergeOptions& o, const certify::ShardSet& set) {
  const base::DataPath script = base::data_path("reports/sessionspec_report.py");
  if (!script) return input_error("merge: " + script.error);
  const std::string traces = (fs::path(o.out_dir) / "traces.jsonl").string();
  auto merged = certify::merge_certificate(set, traces);
  if (auto* e = std::get_if<std::string>(&merged)) return input_error(*e);
  const certify::Certificate& c = std::get<certify::Certificate>(merged);
  const std::string junit =
      o.junit_file.empty() ? (fs::path(o.out_dir) / "junit.xml").string() : o.junit_file;
  std::ofstream out(junit, std::ios::binary | std::ios::trunc);
  certify::write_junit(out, c);
  out.close();
  if (!out) return input_error("merge: --junit: cannot write '" + junit + "'");
  if (auto e = certify::write_report(o.out_dir, c, traces, script.path)) return input_error(*e);
  const certify::Outcome outcome = certify::outcome(certify::verdicts(c));
  fmt::print("merged {} shards: {} rows, {}; report: {}\n", set.records.size(), c.rows.size(),
             certify::certificate_json(c).at("outcome").get<std::string>(),
             (fs::path(o.out_dir) / "report.html").string());
  switch (outcome) {
    case certify::Outcome::certified: return exit_ok;
    case certify::Outcome::not_certified: return exit_conformance;
    case certify::Outcome::incomplete: return exit_internal;
  }
  return exit_internal;
}

int merge_mutant_shards(const MergeOptions& o, const certify::ShardSet& set) {
  const std::vector<certify::MutantRow> rows = certify::merge_mutants(set);
  const std::string file = (fs::path(o.out_dir) / "mutants.json").string();
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << certify::mutants_json(rows).dump(2) << "\n";
  out.close();
  if (!out) return input_error("merge: --out: cannot write '" + file + "'");
  std::size_t applicable = 0, survived = 0;
  for (const auto& r : rows) {
    applicable += r.applicable;
    survived += r.applicable && !r.result.rejected;
  }
  fmt::print("merged {} shards: {} mutants, {} applicable, {} survived; {}\n", set.records.size(),
             rows.size(), applicable, survived, file);
  return certify::any_survivor(rows) ? exit_conformance : exit_ok;
}

int merge_command(const MergeOptions& o) {
  auto loaded = certify::load_shard_set(o.dirs);
  if (auto* e = std::get_if<std::string>(&loaded)) return input_error(*e);
  const certify::ShardSet& set = std::get<certify::ShardSet>(loaded);
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec || !fs::is_directory(o.out_dir)) {
    return input_error("merge: --out: cannot create '" + o.out_dir + "'");
  }
  if (set.verb == "certify") return merge_certify(o, set);
  if (set.verb == "mutants") return merge_mutant_shards(o, set);
  if (auto code = merge_other(set, o.out_dir)) return *code;
  return input_error("merge: shards of `" + set.verb + "`, which merge does not know");
}

}  // namespace

Verb register_merge(CLI::App& app) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "merge",
      "Merge the shards of one campaign (--shard I/N) into the outputs one unsharded run writes");
  cmd->add_option("dirs", o->dirs, "The shards' directories (each with its shard.json)")
      ->required();
  cmd->add_option("--out", o->out_dir, "Where the merged outputs go")->required();
  cmd->add_option("--junit", o->junit_file, "certify: the JUnit XML (default: OUT/junit.xml)");
  return {cmd, [o] { return merge_command(*o); }};
}

}  // namespace ss::cli
