// `sessionspec oracle`: runs scenarios in the model and in real PHP 8.2 (oracle/), side by side.
// With --handler php:..., real-engine mode: PHP's own session module does the storing and PHP's
// trace is judged by the reference store and the model (sequential scenarios), or the requests
// of a concurrent block run as real PHP processes interleaved call by call (race scenarios).

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/data_dir.hpp"
#include "base/printable.hpp"
#include "cli/commands.hpp"
#include "cli/differential.hpp"
#include "cli/output.hpp"
#include "cli/shard_option.hpp"
#include "cli/verbs.hpp"
#include "oracle/php_module.hpp"
#include "oracle/php_oracle.hpp"
#include "oracle/race_runner.hpp"
#include "oracle/real_engine.hpp"
#include "oracle/worker_pool.hpp"
#include "scenarios/replay.hpp"
#include "scenarios/trace.hpp"
#include "sched/scheduler.hpp"

namespace ss::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct OracleOptions {
  std::vector<std::string> scenarios;
  std::string engine = "php-8.2";
  std::vector<std::string> ini;
  std::string variant;
  std::uint64_t seed = 1;
  std::string php = "php";
  std::string oracle_dir;
  bool no_worker = false;
  unsigned jobs = 0;
  int timeout_s = 20;
  std::string handler;
  std::size_t schedules = 10;
  std::string strategy = "portfolio";
  std::string replay;
  std::string faults;
  int block_ms = oracle::RaceLimits{}.block_ms;
  bool progress = false;
  std::uint64_t generated = 0;
  std::string shard;
  std::string out_dir;
};

/// The longest --timeout: an hour per PHP request. 0 is refused: it would mean no bound at all.
constexpr std::uint64_t timeout_s_max = 3600;

/// The most persistent PHP workers --jobs may start.
constexpr std::uint64_t jobs_max = 64;

/// Width of one column of the side-by-side view.
constexpr std::size_t column_width = 58;

int oracle_input_error(const std::string& message) {
  return input_error("oracle: " + message);
}

/// One event in a column: the call, its arguments and what it returned.
std::string brief(const json& e) {
  const std::string kind = e.value("kind", "");
  std::string args;
  for (const auto& a : e.value("args", json::array())) {
    args += (args.empty() ? "" : ", ") + a.dump(-1, ' ', true);
  }
  if (kind == "request") return "request " + args;
  if (kind == "response") {
    return "end: " + e.value("status", "?") + " " + e.value("session", json()).dump();
  }
  std::string out = (kind == "handler" ? "    " : "") + e.value("name", "?") + "(" + args +
                    ") = " + e.value("result", json()).dump(-1, ' ', true);
  const auto diags = e.value("diagnostics", json::array());
  if (!diags.empty()) out += " !" + std::to_string(diags.size());
  return out;
}

std::string fit(std::string s) {
  if (s.size() > column_width) s = s.substr(0, column_width - 1) + "~";
  return s + std::string(column_width - s.size(), ' ');
}

/// Prints the two traces as aligned columns; rows whose comparable fields differ get '*'.
void print_side_by_side(const oracle::OracleResult& r) {
  fmt::print("  {}   {}\n", fit("model"), "php 8.2");
  const std::size_t rows = std::max(r.model.size(), r.php.size());
  for (std::size_t i = 0; i < rows; ++i) {
    const json* m = i < r.model.size() ? &r.model[i] : nullptr;
    const json* p = i < r.php.size() ? &r.php[i] : nullptr;
    const bool same = m && p && oracle::comparable(*m) == oracle::comparable(*p);
    fmt::print("{} {} | {}\n", same ? ' ' : '*', fit(m ? base::printable(brief(*m)) : ""),
               p ? base::printable(brief(*p)) : "");
  }
}

std::string replay_line(const OracleOptions& o, const std::string& file) {
  return scenarios::ReplayLine{"oracle", file, o.engine, {}, o.seed, o.ini, o.variant, {}, {}}
      .str();
}

/// Validates the options into a run config; returns an exit code on error.
std::optional<int> prepare(const OracleOptions& o, scenarios::RunConfig& cfg,
                           std::vector<scenarios::Scenario>& scs) {
  auto engine = model::parse_engine(o.engine);
  if (!engine) return oracle_input_error("--engine: unknown engine '" + o.engine + "'");
  cfg.engine = *engine;
  cfg.seed = o.seed;
  if (!o.variant.empty()) {
    cfg.variant = model::parse_variant(o.variant);
    if (!cfg.variant) return oracle_input_error("--variant: unknown variant '" + o.variant + "'");
  }
  for (const auto& kv : o.ini) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return oracle_input_error("--ini: expected KEY=VALUE");
    model::RunOptions probe;
    if (auto e = probe.set(kv.substr(0, eq), kv.substr(eq + 1))) {
      return oracle_input_error("--ini " + kv + ": " + *e);
    }
    cfg.ini.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const auto& file : o.scenarios) {
    auto parsed = scenarios::load_scenario(file);
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) return oracle_input_error(e->str());
    scs.push_back(std::move(std::get<scenarios::Scenario>(parsed)));
  }
  return std::nullopt;
}

/// One PHP trace event per line; `lane` prefixes events of concurrent runs.
void print_php_trace(const std::vector<json>& events) {
  for (const auto& e : events) {
    const std::string lane = e.value("lane", "");
    fmt::print("  {}{}\n", lane.empty() ? "" : "[" + lane + "] ", base::printable(brief(e)));
  }
}

std::string real_replay_line(const OracleOptions& o, const std::string& file,
                             const std::string& schedule = {}) {
  return scenarios::ReplayLine{"oracle", file, {}, o.handler, o.seed, {}, {}, schedule, o.faults}
      .str();
}

/// A sequential scenario in real-engine mode: PHP's trace, then the verdict.
int real_engine_one(const OracleOptions& o, const scenarios::Scenario& sc,
                    const oracle::PhpModuleUri& module, const oracle::OracleSetup& setup) {
  const auto store = module.isolated(setup.work_dir, "oracle");
  auto r = oracle::run_real_engine(sc, module, store, setup, o.seed, {});
  // The module's store is emptied afterwards: nothing is left in a Redis server.
  std::string ignored;
  if (!module.user_class) {
    (void)oracle::reset_module_store(*setup.worker, store, {{"save_path", store.save_path}}, {}, 0,
                                     ignored);
  }
  if (!r) return oracle_input_error(sc.file + ": " + r.error().message);
  if (!r->skipped.empty()) {
    fmt::print("== {} ({}) through {}: skipped, {}\n\n", base::printable(sc.name), sc.file,
               module.uri, r->skipped);
    return exit_ok;
  }
  fmt::print("== {} ({}) through {}\n", base::printable(sc.name), sc.file, module.uri);
  print_php_trace(r->php);
  if (r->failure) {
    fmt::print("FAILURE  {}\n  replay: {}\n\n", base::printable(r->failure->str()),
               real_replay_line(o, sc.file));
    return exit_conformance;
  }
  fmt::print(
      "OK: every answer of {} agrees with the reference store, every result with the model\n\n",
      module.user_class ? "the class" : "PHP's " + module.module + " module");
  return exit_ok;
}

/// --faults for real PHP processes (crash only), or the faults a replayed schedule names: why
/// they cannot be injected, if they cannot.
std::optional<std::string> set_race_faults(const OracleOptions& o,
                                           const std::optional<sched::Schedule>& replay,
                                           oracle::RaceRunner& runner) {
  const bool replayed = replay && !replay->faults.empty();
  if (o.faults.empty() && !replayed) return std::nullopt;
  auto faults = sched::parse_fault_options(o.faults.empty() ? "crash" : o.faults);
  if (!faults) return "--faults: " + faults.error().message;
  if (!runner.set_faults(std::move(faults.value()))) {
    return "--faults " + o.faults + ": real PHP processes get the crash fault only (SIGKILL)";
  }
  return std::nullopt;
}

/// A race scenario: real PHP processes interleaved by the coordinator, schedule after schedule.
int real_engine_race(const OracleOptions& o, const scenarios::Scenario& sc,
                     const oracle::PhpModuleUri& module, const oracle::OracleSetup& setup) {
  oracle::RaceLimits limits;
  limits.block_ms = o.block_ms;
  auto made = oracle::RaceRunner::make(sc, module, setup, limits, o.seed);
  if (!made) return oracle_input_error(made.error().message);
  auto& runner = made.value();
  std::optional<sched::Schedule> replay;
  if (!o.replay.empty()) {
    replay = sched::parse_schedule(o.replay);
    if (!replay) return oracle_input_error("--replay: malformed schedule '" + o.replay + "'");
  }
  if (auto bad = set_race_faults(o, replay, *runner)) return oracle_input_error(*bad);
  auto strategy = sched::make_strategy(o.strategy, o.seed);
  if (!strategy) return oracle_input_error("--strategy: " + strategy.error().message);
  fmt::print("== {} ({}) through {}: real PHP processes, {} declared\n", base::printable(sc.name),
             sc.file, module.uri, handlers::concurrency_name(runner->guarantees().concurrency));
  int code = exit_ok;
  const std::size_t runs = replay ? 1 : o.schedules;
  for (std::size_t i = 0; i < runs; ++i) {
    sched::ScheduleRun run;
    try {
      run = replay ? runner->replay(*replay) : runner->run_one(**strategy, i);
    } catch (const std::exception& ex) {
      return oracle_input_error(sc.file + ": " + ex.what());
    }
    std::string verdict = "ok";
    for (const auto& v : run.violations) {
      verdict = std::string(v.failure ? "FAIL " : "finding ") + v.property + ": " + v.detail;
      if (v.failure) code = exit_conformance;
    }
    fmt::print("schedule {} ({} preemptions): {}\n", run.sched.schedule.str(),
               run.sched.schedule.preemptions, verdict);
    if (replay || (!run.violations.empty() && code == exit_conformance)) {
      std::vector<json> trace;
      for (const auto& e : run.events) trace.push_back(scenarios::event_json(e, sc.name));
      print_php_trace(trace);
      if (!replay) {
        fmt::print("  replay: {}\n", real_replay_line(o, sc.file, run.sched.schedule.str()));
        break;
      }
    }
  }
  fmt::print("{} real PHP processes in all\n\n", runner->processes());
  return code;
}

int real_engine_command(const OracleOptions& o, const std::vector<scenarios::Scenario>& scs,
                        oracle::OracleSetup setup) {
  std::string error;
  ::mkdir(setup.work_dir.c_str(), 0700);
  auto module = oracle::parse_php_module_uri(o.handler, error);
  if (!module) return oracle_input_error("--handler: " + error);
  if (module->user_class) {
    auto described = oracle::describe_user_class(*module->user_class, setup);
    if (!described) return oracle_input_error("--handler: " + described.error().message);
    fmt::print("{}: {}\n", o.handler, module->user_class->describe());
  }
  setup.php_args = module->php_args();
  setup.env = module->php_env(setup.work_dir);
  if (!oracle::php_runs(setup)) {
    return oracle_input_error("--handler " + o.handler + ": cannot run '" + o.php +
                              "' with that module (php8.2-cli; phpredis needs php8.2-redis)");
  }
  auto worker = std::make_unique<oracle::PhpWorker>(setup);
  setup.worker = worker.get();
  int code = exit_ok;
  ProgressMeter meter("oracle", "scenarios", scs.size(), o.progress);
  for (const auto& sc : scs) {
    meter.label(sc.file);
    meter.pause();
    bool concurrent = false;
    for (std::size_t i = 1; i < sc.requests.size(); ++i) {
      concurrent = concurrent || sc.requests[i].batch == sc.requests[i - 1].batch;
    }
    const int one = concurrent ? real_engine_race(o, sc, *module, setup)
                               : real_engine_one(o, sc, *module, setup);
    code = std::max(code, one);
    std::fflush(stdout);
    meter.count(static_cast<std::size_t>(&sc - scs.data()) + 1);
    if (one == exit_input) break;
  }
  meter.finish();
  worker.reset();
  std::error_code ec;
  fs::remove_all(setup.work_dir, ec);
  return code;
}

/// The differential mode's options; an exit code when they do not fit together.
std::optional<int> differential_options(const OracleOptions& o, DifferentialOptions& d) {
  if (o.generated == 0) {
    if (o.scenarios.empty()) return oracle_input_error("name scenario files, or --generated N");
    if (!o.shard.empty() || !o.out_dir.empty()) {
      return oracle_input_error("--shard and --out go with --generated N");
    }
    return std::nullopt;
  }
  if (!o.scenarios.empty() || !o.handler.empty()) {
    return oracle_input_error(
        "--generated N runs generated scenarios: give no scenario files "
        "and no --handler beside it");
  }
  d = DifferentialOptions{o.generated, o.seed, o.engine, o.ini, o.variant, {}, o.out_dir};
  if (auto code = resolve_shard(o.shard, d.shard)) return *code;
  if (!d.shard.whole() && d.out_dir.empty()) {
    return oracle_input_error("--shard " + d.shard.str() +
                              ": give --out DIR (merge reads the shard from it)");
  }
  return std::nullopt;
}

int oracle_command(const OracleOptions& o) {
  scenarios::RunConfig cfg;
  std::vector<scenarios::Scenario> scs;
  DifferentialOptions differential;
  if (auto code = differential_options(o, differential)) return *code;
  if (auto code = prepare(o, cfg, scs)) return *code;
  oracle::OracleSetup setup;
  setup.php = o.php;
  setup.timeout_s = o.timeout_s;
  setup.harness_dir = oracle::find_harness_dir(o.oracle_dir);
  if (setup.harness_dir.empty()) {
    return oracle_input_error(base::data_path("oracle/harness.php").error +
                              " (or pass --oracle-dir DIR)");
  }
  if (!oracle::php_runs(setup)) {
    return oracle_input_error("cannot run '" + o.php +
                              "' (install php8.2-cli, or pass --php PATH)");
  }
  setup.work_dir =
      (fs::temp_directory_path() / ("sessionspec-oracle-cli-" + std::to_string(::getpid())))
          .string();
  if (!o.handler.empty()) return real_engine_command(o, scs, setup);
  if (o.generated > 0) {
    auto worker = o.no_worker ? nullptr : std::make_unique<oracle::PhpWorker>(setup);
    setup.worker = worker.get();
    const int differential_code = differential_command(differential, cfg, setup);
    worker.reset();
    std::error_code ec;
    fs::remove_all(setup.work_dir, ec);
    return differential_code;
  }
  // Scenarios run on a pool of workers (--jobs) and are reported in order, up to the first
  // that fails; --no-worker runs them one after another, one PHP process per request.
  ::mkdir(setup.work_dir.c_str(), 0700);
  std::vector<std::optional<oracle::OracleResult>> results(scs.size());
  std::vector<std::string> errors(scs.size());
  ProgressMeter meter("oracle", "scenarios", scs.size(), o.progress);
  if (!o.no_worker) {
    oracle::WorkerPool pool(setup, o.jobs);
    (void)pool.run(scs.size(), [&](std::size_t i, oracle::PoolLane& lane) {
      results[i] = oracle::compare_with_php(scs[i], cfg, lane.setup, errors[i]);
      return results[i] && !results[i]->difference;
    });
  }
  int code = exit_ok;
  for (std::size_t i = 0; i < scs.size() && code == exit_ok; ++i) {
    const auto& sc = scs[i];
    meter.label(sc.file);
    std::string& error = errors[i];
    auto& result = results[i];
    if (o.no_worker) result = oracle::compare_with_php(sc, cfg, setup, error);
    meter.pause();
    if (!result) {
      code = oracle_input_error(sc.file + ": " + error);
      break;
    }
    fmt::print("== {} ({})\n", base::printable(sc.name), sc.file);
    print_side_by_side(*result);
    if (result->difference) {
      fmt::print("DIFFERENCE  {}\n  {}\n  replay: {}\n", base::printable(sc.name),
                 base::printable(*result->difference), replay_line(o, sc.file));
      code = exit_conformance;
    }
    std::cout << "\n";
    std::cout.flush();
    meter.count(i + 1);
  }
  meter.finish();
  std::error_code ec;
  fs::remove_all(setup.work_dir, ec);
  if (code == exit_ok) fmt::print("{} scenario(s): model and PHP agree\n", scs.size());
  return code;
}

}  // namespace

Verb register_oracle(CLI::App& app) {
  auto o = std::make_shared<OracleOptions>();
  CLI::App* cmd = app.add_subcommand(
      "oracle",
      "Run scenarios in the model and in real PHP 8.2, side by side; exit 1 on the "
      "first difference");
  cmd->add_option("scenario", o->scenarios, "Scenario files (.scn)");
  cmd->add_option("--engine", o->engine, "Model engine profile (php-8.2 is the one PHP 8.2 is)")
      ->default_val("php-8.2");
  cmd->add_option("--ini", o->ini, "Run option KEY=VALUE (repeatable), e.g. lazy_write=0");
  cmd->add_option("--variant", o->variant, "Handler variant: full, basic, sessionhandler");
  cmd->add_option("--seed", o->seed, "Seed for the model's ids and gc draws")
      ->check(integer_in(0, seed_max))
      ->default_val(1);
  cmd->add_option("--php", o->php, "The PHP 8.2 CLI binary")->default_val("php");
  cmd->add_option("--oracle-dir", o->oracle_dir, "Directory of harness.php (default: found)");
  cmd->add_flag("--no-worker", o->no_worker,
                "One PHP process per request instead of the persistent worker");
  cmd->add_option("--jobs", o->jobs,
                  "Persistent PHP workers running scenarios at once (0: one per core)")
      ->check(integer_in(0, jobs_max))
      ->default_val(0);
  cmd->add_option("--timeout", o->timeout_s, "Seconds one PHP request may take (1..3600)")
      ->check(integer_in(1, timeout_s_max))
      ->default_val(20);
  cmd->add_option("--handler", o->handler,
                  "Real-engine mode: PHP's own module stores (php:files, "
                  "php:redis://127.0.0.1:PORT?locking=0|1, "
                  "php:rediscluster://127.0.0.1:PORT,...), or a PHP handler class "
                  "(php:class:BOOTSTRAP.php); docs/certify.md");
  cmd->add_option("--schedules", o->schedules,
                  "Race scenarios with --handler: schedules of real PHP processes")
      ->default_val(10)
      ->check(integer_in(1, 100'000));
  cmd->add_option("--strategy", o->strategy, "Race scenarios: random, sticky, pct[:D], portfolio")
      ->default_val("portfolio");
  cmd->add_option("--replay", o->replay, "Race scenarios: run exactly this schedule");
  cmd->add_option("--faults", o->faults,
                  "Race scenarios with --handler: SIGKILL request processes at seeded scheduling "
                  "points ('crash'; docs/certify.md, L4)");
  cmd->add_option("--block-ms", o->block_ms,
                  "Race scenarios: a process that takes longer for one step is blocked (a lock)")
      ->default_val(oracle::RaceLimits{}.block_ms)
      ->check(integer_in(10, 60'000));
  cmd->add_flag("--progress", o->progress,
                "Progress on stderr (scenarios, rate, time left) also when it is not a terminal");
  cmd->add_option("--generated", o->generated,
                  "Differential mode: N scenarios of the differential generator in the model and "
                  "in real PHP; the first difference is shrunk and saved")
      ->check(integer_in(1, 10'000'000));
  add_shard_option(cmd, o->shard);
  cmd->add_option("--out", o->out_dir,
                  "--generated: write differential.json and the shard record (shard.json) here");
  return {cmd, [o] { return oracle_command(*o); }};
}

}  // namespace ss::cli
