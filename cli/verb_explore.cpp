// `sessionspec explore`: the deterministic interleaving explorer.

#include <fmt/core.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "base/printable.hpp"
#include "certify/health.hpp"
#include "cli/budget.hpp"
#include "cli/commands.hpp"
#include "cli/explore_shard.hpp"
#include "cli/output.hpp"
#include "cli/shard_option.hpp"
#include "cli/verbs.hpp"
#include "handlers/handler_uri.hpp"
#include "handlers/registry.hpp"
#include "handlers/testing/faulty.hpp"
#include "scenarios/replay.hpp"
#include "scenarios/trace.hpp"
#include "sched/explorer.hpp"

namespace ss::cli {

namespace {

/// Bounds of the numeric options: at about 60,000 schedules/s in-process, 10 million schedules
/// take about three minutes (an out-of-process handler is much slower); a schedule longer than a
/// million steps is a runaway, not a race.
constexpr std::uint64_t schedules_max = 10'000'000;
constexpr std::uint64_t steps_max_max = 1'000'000;

struct ExploreOptions {
  std::string scenario;
  std::string engine = "php-8.2";
  std::string handler = "memory";
  std::string strategy = "portfolio";
  std::size_t schedules = 10'000;
  std::uint64_t seed = 1;
  std::string replay;
  std::string trace_file;
  std::vector<std::string> ini;
  std::string variant;
  std::size_t steps_max = 10'000;
  bool progress = false;
  std::string shard_spec;
  base::Shard shard;
  std::string out_dir;
  /// Fault kinds to inject (sched/faults.hpp); "" without faults.
  std::string faults;
};

std::string lane_cell(const scenarios::Event& e) {
  std::string text;
  switch (e.kind()) {
    case scenarios::EventKind::script: {
      const scenarios::ScriptEvent& s = e.script();
      text = scenarios::php_syntax(*s.call);
      if (!s.outcome.result.is_null()) text += " => " + model::show(s.outcome.result);
      break;
    }
    case scenarios::EventKind::handler:
      text = "  # " + model::show(e.handler().call) + " = " + model::show(e.handler().answer);
      break;
    case scenarios::EventKind::request:
      text = "-- request " + std::string(e.lane) + " (cookie " +
             e.request_event().cookie.value_or("none") + ")";
      break;
    case scenarios::EventKind::response:
      text = "-- end of " + std::string(e.lane);
      for (const auto& c : e.response().set_cookies) text += " Set-Cookie " + c;
      break;
    case scenarios::EventKind::fault: {
      const scenarios::FaultEvent& f = e.fault();
      text = "!! " + std::string(handlers::fault_kind_name(f.kind));
      if (f.kind == handlers::FaultKind::stall) text += " " + std::to_string(f.seconds) + " s";
      text += " at " + f.where;
      if (!f.note.empty()) text += " (" + f.note + ")";
      break;
    }
    case scenarios::EventKind::run: break;
  }
  constexpr std::size_t cell_max = 60;
  if (text.size() > cell_max) text = text.substr(0, cell_max - 3) + "...";
  return text;
}

void print_lanes(const std::vector<scenarios::Event>& events) {
  std::map<std::string_view, std::size_t> column;
  for (const auto& e : events) {
    if (!e.lane.empty() && !column.count(e.lane)) column.emplace(e.lane, column.size());
  }
  constexpr std::size_t width = 62;
  for (const auto& e : events) {
    if (e.kind() == scenarios::EventKind::run) continue;
    std::string line(column[e.lane] * width, ' ');
    fmt::print("{}{}\n", line, base::printable(lane_cell(e)));
  }
}

std::string replay_command(const ExploreOptions& o, const sched::Schedule& s) {
  scenarios::ReplayLine line{"explore", o.scenario, o.engine, o.handler, o.seed,
                             o.ini,     o.variant,  s.str(),  {}};
  line.faults = o.faults;
  return line.str();
}

}  // namespace

int explore_command(const ExploreOptions& o);

Verb register_explore(CLI::App& app) {
  auto o = std::make_shared<ExploreOptions>();
  CLI::App* cmd = app.add_subcommand(
      "explore",
      "Explore interleavings of a scenario's concurrent requests; shrink and replay races");
  cmd->add_option("scenario", o->scenario, "A scenario with a `concurrent` block")->required();
  cmd->add_option("--engine", o->engine,
                  "php-8.2 (per-request context), shared-array (one $_SESSION per process), "
                  "zealphp (read-merge-write at close), php-legacy")
      ->default_val("php-8.2");
  cmd->add_option("--handler", o->handler,
                  "Handler URI (files:DIR gets a fresh subdirectory per "
                  "schedule)")
      ->default_val("memory");
  cmd->add_option("--strategy", o->strategy, "random, sticky, pct[:D], dfs[:BOUND], portfolio")
      ->default_val("portfolio");
  CLI::Option* schedules =
      cmd->add_option("--schedules", o->schedules,
                      "How many schedules to try (default 10000; 1500 for an exec: handler, "
                      "about a minute)")
          ->check(integer_in(1, schedules_max));
  cmd->add_option("--seed", o->seed, "Seed of the strategy, ids and gc draws")
      ->check(integer_in(0, seed_max))
      ->default_val(1);
  // A replay runs exactly one schedule: a --schedules beside it would be silently ignored.
  cmd->add_option("--replay", o->replay, "Replay one schedule (as printed by a failure)")
      ->excludes(schedules);
  cmd->add_option("--trace", o->trace_file, "Write the JSON-lines trace of the reported schedule");
  cmd->add_flag("--progress", o->progress,
                "Progress on stderr (counts, rate, time left) also when it is not a terminal");
  cmd->add_option("--ini", o->ini, "Run option KEY=VALUE (repeatable)");
  cmd->add_option("--variant", o->variant,
                  "Handler capability variant: full, basic, sessionhandler");
  cmd->add_option("--steps-max", o->steps_max, "Step budget of one schedule")
      ->check(integer_in(1, steps_max_max))
      ->default_val(10000);
  cmd->add_option("--faults", o->faults,
                  "Inject faults: KIND[,KIND...][,max=N], KIND one of crash, fail, stall[=S], "
                  "reset, busy, full, or all (docs/trace-format.md, Schedules)");
  add_shard_option(cmd, o->shard_spec)->excludes("--replay");
  cmd->add_option("--out", o->out_dir,
                  "Write explore.json and the shard record (shard.json, for merge) here");
  return {cmd, [o, schedules] {
            if (schedules->count() == 0) {
              o->schedules = out_of_process(o->handler) ? explore_schedules_out_of_process
                                                        : explore_schedules_default;
            }
            return explore_command(*o);
          }};
}

namespace {

std::string hash_text(std::uint64_t h) {
  return fmt::format("{:016x}", h);
}

/// Writes the trace file (if asked for); false when it could not be written (D11).
bool write_trace(const ExploreOptions& o, sched::ScheduleRun& run, const sched::Schedule& s) {
  if (o.trace_file.empty()) return true;
  // The file's run line names the schedule, and the hash of the trace with it.
  scenarios::RunHeader head = run.events.front().run();
  head.schedule = s.str();
  run.events.front().payload = std::make_shared<const scenarios::RunHeader>(head);
  head.trace_hash = hash_text(sched::Explorer::trace_hash(run.events));
  run.events.front().payload = std::make_shared<const scenarios::RunHeader>(std::move(head));
  std::ofstream out(o.trace_file, std::ios::binary | std::ios::trunc);
  scenarios::JsonTraceWriter writer(out);
  for (const auto& e : run.events) writer.on_event(e);
  out.close();
  return out.good();
}

/// Prints the run and writes its trace; false when the trace file could not be written.
bool report(const ExploreOptions& o, sched::ScheduleRun& run, const sched::Schedule& s,
            int requests) {
  const sched::Violation* v = run.first_failure();
  if (v) fmt::print("VIOLATION {}: {}\n", v->property, base::printable(v->detail));
  fmt::print("schedule: {} ({} requests, {} preemption{}, {} steps)\n", s.str(), requests,
             run.sched.schedule.preemptions, run.sched.schedule.preemptions == 1 ? "" : "s",
             run.sched.schedule.picks.size());
  print_lanes(run.events);
  fmt::print("trace hash: {}\n", hash_text(sched::Explorer::trace_hash(run.events)));
  fmt::print("replay: {}\n", replay_command(o, s));
  return write_trace(o, run, s);
}

int trace_error(const ExploreOptions& o) {
  return input_error("--trace: cannot write '" + o.trace_file + "'");
}

// Faults that reach the handler go through the fault decorator: a handler URI without one gets
// `fault:none` right in front of its base, inside its other decorators (a mutant sees the
// failures as its base's); the replay line keeps the URI as given, which gets the same.
std::optional<int> configure_faults(const ExploreOptions& o, sched::ExploreConfig& cfg) {
  auto faults = sched::parse_fault_options(o.faults);
  if (!faults) return input_error("--faults: " + faults.error().message);
  cfg.faults = std::move(faults.value());
  auto spec = handlers::parse_handler_spec(o.handler);
  if (!spec) return input_error("--handler " + o.handler + ": " + spec.error().reason);
  cfg.factory = handlers::isolated_factory(handlers::with_fault_decorator(std::move(spec.value())));
  return std::nullopt;
}

std::optional<int> configure(const ExploreOptions& o, sched::ExploreConfig& cfg) {
  if (!sched::select_engine(o.engine, cfg)) {
    return input_error("--engine: unknown engine '" + o.engine +
                       "' (want php-8.2, shared-array, zealphp or php-legacy)");
  }
  auto spec = handlers::parse_handler_spec(o.handler);
  if (!spec) return input_error("--handler " + o.handler + ": " + spec.error().reason);
  cfg.handler_uri = o.handler;
  cfg.factory = handlers::isolated_factory(std::move(spec.value()));
  cfg.seed = o.seed;
  cfg.steps_max = o.steps_max;
  for (const auto& kv : o.ini) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return input_error("--ini: expected KEY=VALUE, got '" + kv + "'");
    cfg.ini.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  if (!o.variant.empty()) {
    cfg.variant = model::parse_variant(o.variant);
    if (!cfg.variant) return input_error("--variant: unknown variant '" + o.variant + "'");
  }
  if (!o.faults.empty()) return configure_faults(o, cfg);
  return std::nullopt;
}

nlohmann::json explore_plan(const ExploreOptions& o) {
  return {{"scenario", o.scenario}, {"engine", o.engine},       {"handler", o.handler},
          {"strategy", o.strategy}, {"schedules", o.schedules}, {"ini", o.ini},
          {"variant", o.variant},   {"steps_max", o.steps_max}};
}

/// Writes --out's files (when asked for); the exit code `code`, or an input error.
int with_outputs(const ExploreOptions& o, const ExploreSummary& summary, int code) {
  if (o.out_dir.empty()) return code;
  if (auto e = write_explore_outputs(o.out_dir, explore_plan(o), o.seed, o.shard, summary)) {
    return input_error("--out: " + *e);
  }
  return code;
}

int explore_loop(const ExploreOptions& o, sched::Explorer& ex, sched::Strategy& strategy,
                 int requests) {
  std::map<std::string, std::size_t> findings;
  std::optional<sched::ScheduleRun> failing;
  // A shard runs the schedule indices it owns (docs/scale-out.md); `done` counts them.
  ProgressMeter progress("explore", "schedules",
                         (o.schedules + o.shard.total - 1 - o.shard.index) / o.shard.total,
                         o.progress);
  std::size_t done = 0;
  std::size_t index = 0;
  for (; index < o.schedules && strategy.more(); ++index) {
    if (!o.shard.owns(index)) continue;
    sched::ScheduleRun run = ex.run_one(strategy, index);
    for (const auto& v : run.violations) {
      if (!v.failure) ++findings[v.property];
    }
    if (run.first_failure()) {
      failing = std::move(run);
      break;
    }
    progress.count(++done);
  }
  progress.finish();
  ExploreSummary summary{done, !strategy.more(), std::nullopt, findings};
  if (failing) {
    // A server that went away makes every call fail: that is no violation of the handler's.
    if (auto d = certify::probe_backend(ex.config().factory, false)) {
      std::cerr << "sessionspec: explore: --handler " << o.handler
                << ": infrastructure error, not a violation: " << d->cause << "\n";
      return exit_internal;
    }
    fmt::print("found a violation at schedule {} (strategy {})\n", index, strategy.name());
    sched::Schedule minimal = ex.shrink(*failing);
    sched::ScheduleRun again = ex.replay(minimal);
    if (!report(o, again, minimal, requests)) return trace_error(o);
    const sched::Violation* v = again.first_failure();
    summary.violation = ExploreSummary::Found{index, v ? v->property : "", v ? v->detail : "",
                                              minimal.str(), replay_command(o, minimal)};
    return with_outputs(o, summary, exit_conformance);
  }
  fmt::print("no violation in {} schedules (strategy {}{})\n", done, strategy.name(),
             strategy.more() ? "" : ", search space exhausted");
  for (const auto& [property, count] : findings) {
    fmt::print("finding: {} in {} schedules (allowed by the handler's declared guarantee)\n",
               property, count);
  }
  return with_outputs(o, summary, exit_ok);
}

}  // namespace

int explore_command(const ExploreOptions& given) {
  ExploreOptions o = given;
  if (auto code = resolve_shard(o.shard_spec, o.shard)) return *code;
  if (!o.shard.whole() && o.out_dir.empty()) {
    return input_error("--shard " + o.shard.str() +
                       ": give --out DIR (merge reads the shard from it)");
  }
  auto parsed = scenarios::load_scenario(o.scenario);
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) return input_error(e->str());
  const auto& sc = std::get<scenarios::Scenario>(parsed);
  sched::ExploreConfig cfg;
  // A scenario's `faults` line is its default; --faults overrides it.
  ExploreOptions with_faults = o;
  if (with_faults.faults.empty()) with_faults.faults = sc.faults;
  if (auto code = configure(with_faults, cfg)) return *code;
  // A handler that cannot be used at all is an input error before anything runs.
  if (auto d = certify::probe_backend(cfg.factory, true)) {
    return input_error("--handler " + o.handler + ": unusable: " + d->cause);
  }
  auto made = sched::Explorer::make(sc, cfg);
  if (!made) return input_error(made.error().message);
  auto& ex = made.value();
  // Every argument is checked before anything runs or prints.
  std::optional<sched::Schedule> replay;
  std::unique_ptr<sched::Strategy> strategy;
  if (!o.replay.empty()) {
    replay = sched::parse_schedule(o.replay);
    if (!replay)
      return input_error("--replay: malformed schedule '" + o.replay + "' (want e.g. 0x3.1x2.0)");
  } else {
    auto made_strategy = sched::make_strategy(o.strategy, o.seed);
    if (!made_strategy) return input_error("--strategy: " + made_strategy.error().message);
    strategy = std::move(made_strategy.value());
    // Only these draw schedule i from the seed and i alone; PCT learns the schedule length
    // from earlier schedules and DFS backtracks, so a shard could not start at its own i.
    const std::string name = strategy->name();
    if (!o.shard.whole() && name != "random" && name != "sticky") {
      return input_error("--shard: strategy " + o.strategy +
                         " draws a schedule from the schedules before it; shard with "
                         "--strategy random or sticky");
    }
  }
  if (!o.trace_file.empty() && !std::ofstream(o.trace_file, std::ios::binary | std::ios::trunc)) {
    return trace_error(o);
  }
  fmt::print("seed={} engine={} handler={} strategy={} schedules={}{}\n", o.seed, o.engine,
             o.handler, o.replay.empty() ? o.strategy : "replay", o.schedules,
             o.shard.whole() ? "" : " shard=" + o.shard.str());
  try {
    if (replay) {
      sched::ScheduleRun run = ex->replay(*replay);
      if (!report(o, run, *replay, ex->tasks())) return trace_error(o);
      return run.first_failure() ? exit_conformance : exit_ok;
    }
    return explore_loop(o, *ex, *strategy, ex->tasks());
  } catch (const std::exception& e) {
    // The per-schedule backend factory failed (a server that went away): not a violation.
    std::cerr << "sessionspec: explore: " << e.what() << "\n";
    return exit_internal;
  }
}

}  // namespace ss::cli
