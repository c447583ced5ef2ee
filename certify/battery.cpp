#include "certify/battery.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <filesystem>

#include "certify/inprocess_target.hpp"
#include "certify/runner.hpp"
#include "certify/sid_check.hpp"
#include "handlers/registry.hpp"
#include "properties/harness.hpp"
#include "properties/property.hpp"
#include "properties/replay_token.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/replay.hpp"
#include "scenarios/runner.hpp"

namespace ss::certify {

namespace {

/// Cases per engine profile in the battery's first, quick round of properties.
constexpr int first_round_cases = 30;

/// Explorer schedules per race row. certify's default is 100; the battery runs the catalogue for
/// the base and again for every mutant that survives the first round of properties, and a files
/// store's schedules cost milliseconds each on a loaded disk. Every race mutant of the catalogue
/// dies within 10 (measured at seed 1), so 25 keeps a margin at a quarter of the cost.
constexpr std::size_t battery_race_schedules = 25;

/// The scenario folders the battery reads, in order.
constexpr const char* scenario_folders[] = {"gist", "lesson", "php"};

using Clock = std::chrono::steady_clock;

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

/// Runs `sc` against a fresh isolated backend, judged as `check` judges; returns the first
/// failure, or "" when it passes. NoWaitPoints: a sequential run has no other lock holder, so a
/// handler that blocks on a lock leaked by an earlier request fails at once instead of after
/// the default 3 s of real time (which would make every lock mutant cost seconds).
std::string check_scenario(const scenarios::Scenario& sc, const std::string& uri,
                           std::uint64_t seed, std::string& where) {
  scenarios::RunConfig cfg;
  cfg.seed = seed;
  handlers::ManualClock clock(sc.clock_start_s);
  auto spec = handlers::parse_handler_spec(uri);
  if (!spec) return "cannot make the backend: " + spec.error().reason;
  auto backend = handlers::make_isolated(spec.value(), seed, clock);
  if (!backend) return "cannot make the backend: " + backend.error().reason;
  scenarios::Judge judge;
  properties::NoWaitPoints points;
  auto ran = scenarios::run_scenario(sc, cfg, *backend.value(), clock, {&judge}, &points);
  if (!ran) return ran.error().message;
  std::optional<scenarios::Failure> first = judge.first_failure();
  if (!first) return "";
  where = first->line > 0 ? " (line " + std::to_string(first->line) + ")" : "";
  return first->str();
}

}  // namespace

std::vector<model::EngineKind> engines_for(const std::string&) {
  return {model::EngineKind::php82, model::EngineKind::legacy, model::EngineKind::zealphp};
}

std::variant<Battery, std::string> Battery::load(BatteryOptions options) {
  Battery b(options);
  for (const char* folder : scenario_folders) {
    const std::filesystem::path dir = std::filesystem::path(options.scenario_dir) / folder;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return "--scenarios: " + dir.string() + " is not a directory";
    }
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".scn") {
        files.push_back(entry.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto parsed = scenarios::load_scenario(file);
      if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) return e->str();
      b.scenarios_.push_back(std::move(std::get<scenarios::Scenario>(parsed)));
    }
  }
  // What only certify's rows see: create_sid's ids (a target without create_sid has no such
  // row), and the races, when the folder has the catalogue.
  b.rows_.push_back(create_sid_suite().id);
  const std::filesystem::path races = std::filesystem::path(options.scenario_dir) / races_folder;
  std::error_code ec;
  if (std::filesystem::is_directory(races, ec)) {
    std::string error;
    for (const auto& sc : load_folder(races.string(), error)) {
      b.rows_.push_back("L3.race." + sc.name);
    }
    if (!error.empty()) return error;
  }
  return b;
}

std::vector<std::string> Battery::calibrate(const std::string& base_uri) {
  std::vector<std::string> dropped;
  std::vector<scenarios::Scenario> kept;
  for (auto& sc : scenarios_) {
    std::string where;
    std::string failure;
    try {
      failure = check_scenario(sc, base_uri, options_.seed, where);
    } catch (const std::exception& e) {
      failure = std::string("the run threw: ") + e.what();
    }
    if (failure.empty()) {
      kept.push_back(std::move(sc));
    } else {
      dropped.push_back("scenario " + sc.name + where + ": " +
                        failure.substr(0, failure.find('\n')));
    }
  }
  scenarios_ = std::move(kept);
  rows_judged_for_ = base_uri;
  BatteryResult unused;
  std::vector<std::string> failed;
  (void)run_certify_rows(base_uri, rows_, unused, &failed);
  for (const auto& line : failed) {
    std::erase(rows_, line.substr(0, line.find(": ")));
    dropped.push_back("row " + line);
  }
  return dropped;
}

// Certify's own loop, so that the rows are judged exactly as `certify --only ROW` judges them
// and a rejection's replay line is that row's.
bool Battery::run_certify_rows(const std::string& uri, const std::vector<std::string>& rows,
                               BatteryResult& v, std::vector<std::string>* failed) const {
  if (rows.empty()) return false;
  Plan plan;
  plan.handlers = {uri};
  plan.level = 3;
  plan.seed = options_.seed;
  plan.only = rows;
  plan.scenario_dir = options_.scenario_dir;
  plan.budgets.schedules = battery_race_schedules;
  // Calibration wants every row's verdict; a mutant's run stops at its first failure.
  plan.fail_fast = failed == nullptr;
  InProcessTarget target(uri);
  Certificate c;
  certify_target(plan, target, {}, c);
  for (const Row& row : c.rows) {
    if (row.verdict == Verdict::pass || row.verdict == Verdict::finding ||
        row.verdict == Verdict::skip) {
      continue;
    }
    if (failed != nullptr) {
      failed->push_back(row.property + ": " + row.evidence.substr(0, row.evidence.find('\n')));
      continue;
    }
    v.rejected = true;
    v.by = "row " + row.property;
    v.detail = row.evidence;
    v.replay = row.replay;
    return true;
  }
  return false;
}

bool Battery::run_scenarios(const std::string& uri, BatteryResult& v) const {
  for (const auto& sc : scenarios_) {
    std::string where;
    std::string failure;
    try {
      failure = check_scenario(sc, uri, options_.seed, where);
    } catch (const std::exception& e) {
      failure = std::string("the run threw: ") + e.what();
    }
    if (failure.empty()) continue;
    v.rejected = true;
    v.by = "scenario " + sc.name + where;
    v.detail = failure;
    v.replay =
        scenarios::ReplayLine{"check", sc.file, {}, uri, options_.seed, {}, {}, {}, {}}.str();
    return true;
  }
  return false;
}

// One round over the engine profiles, each `cases` cases.
bool Battery::run_properties(const std::string& uri, int cases, BatteryResult& v,
                             const BatteryProgress& progress) const {
  for (const model::EngineKind engine : engines_for(uri)) {
    const properties::PropertySpec spec{uri, engine, {}};
    properties::RunParams params;
    params.seed = options_.seed;
    params.max_success = cases;
    params.shrink = options_.shrink;
    const properties::PropertyResult r = properties::run_property(spec, params);
    if (r.passed) {
      if (progress && cases == options_.property_cases) {
        progress(properties::property_id(spec) + ": " + std::to_string(r.cases) + " cases passed" +
                 (r.discarded ? ", " + std::to_string(r.discarded) + " discarded" : ""));
      }
      continue;
    }
    v.rejected = true;
    v.by = "property " + std::string(model::engine_name(engine)) + " (case " +
           std::to_string(r.cases + 1) + " of " + std::to_string(cases) + ")";
    v.detail = r.error ? r.description : properties::format_failure(spec, params, r);
    if (!r.error) v.replay = properties::replay_command(r.reproduce);
    return true;
  }
  return false;
}

// Cheap stages first: the scenarios, a short round of properties (so that a bug only one
// profile can show, as ZealPHP never calls close(), is found without waiting for the others'
// full budgets), certify's rows (a second or two), then the properties' full budget.
BatteryResult Battery::run(const std::string& handler_uri, const BatteryProgress& progress) const {
  const auto start = Clock::now();
  BatteryResult v;
  const int first_round = std::min(first_round_cases, options_.property_cases);
  const auto stages = [&] {
    if (run_scenarios(handler_uri, v)) return;
    if (progress) {
      progress(handler_uri + ": " + std::to_string(scenarios_.size()) + " scenarios passed");
    }
    if (run_properties(handler_uri, first_round, v, progress)) return;
    // The base passed its rows in calibrate(): on a files store their schedules cost seconds.
    if (handler_uri != rows_judged_for_) {
      if (run_certify_rows(handler_uri, rows_, v, nullptr)) return;
      if (progress && !rows_.empty()) {
        progress(handler_uri + ": " + std::to_string(rows_.size()) + " certify rows passed");
      }
    } else if (progress && !rows_.empty()) {
      progress(handler_uri + ": " + std::to_string(rows_.size()) +
               " certify rows passed (judged once, in calibration)");
    }
    if (first_round < options_.property_cases) {
      (void)run_properties(handler_uri, options_.property_cases, v, progress);
    }
  };
  stages();
  v.time_ms = elapsed_ms(start);
  return v;
}

}  // namespace ss::certify
