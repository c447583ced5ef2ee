#include "cli/differential.hpp"

#include <fmt/core.h>
#include <rapidcheck.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/printable.hpp"
#include "certify/shard.hpp"
#include "cli/commands.hpp"
#include "oracle/scenario_gen.hpp"
#include "scenarios/replay.hpp"
#include "scenarios/scenario.hpp"

namespace ss::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

/// A difference is shrunk by at most this many PHP runs (each one a few milliseconds).
constexpr std::size_t shrink_runs_max = 300;
/// RapidCheck's size ramp: case i is drawn at size i mod 101, as check_cases' maxSize = 100.
constexpr std::uint64_t sizes = 101;

struct Difference {
  std::size_t index = 0;
  std::string scenario;
  std::string what;
};

struct Summary {
  std::size_t cases_run = 0;
  std::optional<Difference> difference;
};

/// Case `index` of `seed`: its own random stream, so that any shard can draw it.
rc::Shrinkable<oracle::GenScenario> draw(std::uint64_t seed, std::uint64_t index) {
  const rc::Random random(rc::Random::Key{seed, index, 0x5e55'10e5'd1ffULL, 0x0c45e5ULL});
  return oracle::gen_scenario()(random, static_cast<int>(index % sizes));
}

/// Runs `text` in the model and in PHP: the difference ("" when they agree); nullopt with
/// `error` when PHP could not run it.
std::optional<std::string> differ(const std::string& text, const scenarios::RunConfig& cfg,
                                  const oracle::OracleSetup& setup, std::string& error) {
  auto parsed = scenarios::parse_scenario(text, "generated.scn");
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) {
    error = "a generated scenario does not parse: " + e->str();
    return std::nullopt;
  }
  auto result = oracle::compare_with_php(std::get<scenarios::Scenario>(parsed), cfg, setup, error);
  if (!result) return std::nullopt;
  return result->difference.value_or("");
}

/// The smallest failing shrink found greedily within shrink_runs_max PHP runs.
Difference shrink(rc::Shrinkable<oracle::GenScenario> failing, Difference d,
                  const scenarios::RunConfig& cfg, const oracle::OracleSetup& setup) {
  std::size_t runs = 0;
  bool progressed = true;
  while (progressed && runs < shrink_runs_max) {
    progressed = false;
    auto shrinks = failing.shrinks();
    while (auto next = shrinks.next()) {
      if (++runs > shrink_runs_max) break;
      const std::string text = oracle::scn_text(next->value());
      std::string error;
      const auto diff = differ(text, cfg, setup, error);
      if (diff && !diff->empty()) {
        failing = *next;
        d.scenario = text;
        d.what = *diff;
        progressed = true;
        break;
      }
    }
  }
  return d;
}

std::string case_file(std::size_t index) {
  return "difference-case-" + std::to_string(index) + ".scn";
}

json differential_json(const Summary& s) {
  json difference = nullptr;
  if (s.difference) {
    difference = {{"case", s.difference->index},
                  {"difference", s.difference->what},
                  {"file", case_file(s.difference->index)},
                  {"scenario", s.difference->scenario}};
  }
  return {{"cases_run", s.cases_run}, {"difference", difference}};
}

Summary differential_from_json(const json& j) {
  Summary s;
  s.cases_run = j.at("cases_run").get<std::size_t>();
  if (!j.at("difference").is_null()) {
    const json& d = j.at("difference");
    s.difference = Difference{d.at("case").get<std::size_t>(), d.at("scenario").get<std::string>(),
                              d.at("difference").get<std::string>()};
  }
  return s;
}

json plan_json(const DifferentialOptions& o) {
  return {{"cases", o.cases}, {"engine", o.engine}, {"ini", o.ini}, {"variant", o.variant}};
}

/// Writes DIR/differential.json, the difference's .scn file and (sharded) DIR/shard.json.
std::optional<std::string> write_differential_outputs(const std::string& dir, const json& plan,
                                                      std::uint64_t seed, const json* shard_record,
                                                      const Summary& s) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  json result = plan;
  result["version"] = 1;
  result["seed"] = seed;
  result["result"] = differential_json(s);
  std::ofstream out(fs::path(dir) / "differential.json", std::ios::binary | std::ios::trunc);
  out << result.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  if (s.difference) {
    std::ofstream(fs::path(dir) / case_file(s.difference->index), std::ios::binary)
        << s.difference->scenario;
  }
  out.close();
  if (!out) return "cannot write '" + (fs::path(dir) / "differential.json").string() + "'";
  if (shard_record) return certify::write_shard_record(dir, *shard_record);
  return std::nullopt;
}

/// Prints `text` line by line, each escaped for the terminal.
void print_lines(const std::string& text, const std::string& indent) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    fmt::print("{}{}\n", indent, base::printable(text.substr(at, end - at)));
    at = end + 1;
  }
}

void print_difference(const Difference& d, const std::string& dir, std::uint64_t seed,
                      const json& plan) {
  const std::string file =
      (fs::path(dir.empty() ? fs::temp_directory_path().string() : dir) / case_file(d.index))
          .string();
  if (dir.empty()) std::ofstream(file, std::ios::binary) << d.scenario;
  fmt::print("DIFFERENCE at generated case {}, shrunk:\n", d.index);
  print_lines(d.scenario, "  ");
  print_lines(d.what, "  ");
  fmt::print("  replay: {}\n", scenarios::ReplayLine{"oracle",
                                                     file,
                                                     plan.at("engine").get<std::string>(),
                                                     {},
                                                     seed,
                                                     plan.at("ini").get<std::vector<std::string>>(),
                                                     plan.at("variant").get<std::string>(),
                                                     {},
                                                     {}}
                                   .str());
}

}  // namespace

int differential_command(const DifferentialOptions& o, const scenarios::RunConfig& cfg,
                         const oracle::OracleSetup& setup) {
  fmt::print("seed={} engine={} generated_cases={}{}\n", o.seed, o.engine, o.cases,
             o.shard.whole() ? "" : " shard=" + o.shard.str());
  Summary s;
  for (std::uint64_t i = 0; i < o.cases; ++i) {
    if (!o.shard.owns(i)) continue;
    const auto drawn = draw(o.seed, i);
    const std::string text = oracle::scn_text(drawn.value());
    std::string error;
    const auto diff = differ(text, cfg, setup, error);
    if (!diff) {
      std::cerr << "sessionspec: oracle: generated case " << i << ": " << error << "\n";
      return exit_internal;
    }
    if (!diff->empty()) {
      s.difference = shrink(drawn, Difference{i, text, *diff}, cfg, setup);
      break;
    }
    ++s.cases_run;
  }
  if (s.difference) print_difference(*s.difference, o.out_dir, o.seed, plan_json(o));
  if (!s.difference) fmt::print("{} generated case(s): model and PHP agree\n", s.cases_run);
  if (!o.out_dir.empty()) {
    const json plan = plan_json(o);
    json record = certify::shard_head("oracle-generated", o.seed, plan, o.shard, o.cases);
    record["units_listed"] = false;
    record["summary"] = differential_json(s);
    if (auto e = write_differential_outputs(o.out_dir, plan, o.seed, &record, s)) {
      return input_error("--out: " + *e);
    }
  }
  return s.difference ? exit_conformance : exit_ok;
}

int merge_differential(const certify::ShardSet& set, const std::string& out_dir) {
  Summary merged;
  std::size_t run = 0;
  for (const json& record : set.records) {
    const Summary s = differential_from_json(record.at("summary"));
    run += s.cases_run;
    if (s.difference && (!merged.difference || s.difference->index < merged.difference->index)) {
      merged.difference = s.difference;
    }
  }
  // An unsharded run stops at its first difference: it agreed on exactly the cases before it.
  merged.cases_run = merged.difference ? merged.difference->index : run;
  const json& first = set.records.front();
  if (auto e = write_differential_outputs(out_dir, first.at("plan"),
                                          first.at("seed").get<std::uint64_t>(), nullptr, merged)) {
    return input_error("merge: --out: " + *e);
  }
  if (merged.difference) {
    print_difference(*merged.difference, out_dir, first.at("seed").get<std::uint64_t>(),
                     first.at("plan"));
    return exit_conformance;
  }
  fmt::print("merged {} shards: {} generated case(s), model and PHP agree\n", set.records.size(),
             merged.cases_run);
  return exit_ok;
}

}  // namespace ss::cli
