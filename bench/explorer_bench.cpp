// The interleaving explorer's cost and worth (issue #5; figures in docs/benchmarks.md).
//
// 1. Throughput: schedules per second for 2, 8 and 16 tabs bumping one counter
//    (scenarios/races/two-tabs-counter.scn, bench/scenarios/*-tabs-counter.scn) on the memory
//    handler, every checker on, side by side with three baselines: the same scheduler driving
//    trivial coroutines through as many scheduling points (no engine, handler, events or
//    checkers); the sequential runner running the same requests once each; and the model
//    engines alone, their handler calls answered from memory (the floor any run of these
//    requests pays).
// 2. Time to first detection of the clobbered shared session and of the two-tab lost update:
//    the explorer from scratch, and a real-thread stress test of the same scenario (each request
//    on its own std::thread against one mutex-guarded store, judged by the same checkers) given
//    the same wall-time budget.
// 3. Memory: resident set size after 10k and after 1M schedules.

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "handlers/registry.hpp"
#include "scenarios/runner.hpp"
#include "sched/explorer.hpp"
#include "sched/stress.hpp"

namespace ss::sched {
namespace {

using Clock = std::chrono::steady_clock;

std::string source_dir() {
  const char* dir = std::getenv("SESSIONSPEC_SOURCE_DIR");
  return dir ? dir : SESSIONSPEC_SOURCE_DIR_DEFAULT;
}

/// A scenario by its path under the source tree (without .scn), parsed once.
const scenarios::Scenario& scenario(const std::string& name) {
  static std::map<std::string, scenarios::Scenario> loaded;
  auto it = loaded.find(name);
  if (it != loaded.end()) return it->second;
  auto parsed = scenarios::load_scenario(source_dir() + "/" + name + ".scn");
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) throw std::runtime_error(e->str());
  return loaded.emplace(name, std::get<scenarios::Scenario>(std::move(parsed))).first->second;
}

std::string tabs_scenario(std::int64_t tabs) {
  switch (tabs) {
    case 2: return "scenarios/races/two-tabs-counter";
    case 8: return "bench/scenarios/eight-tabs-counter";
    default: return "bench/scenarios/sixteen-tabs-counter";
  }
}

ExploreConfig memory_config(const std::string& engine, std::uint64_t seed) {
  ExploreConfig cfg;
  (void)select_engine(engine, cfg);
  cfg.handler_uri = "memory";
  cfg.factory = handlers::isolated_factory("memory");
  cfg.seed = seed;
  return cfg;
}

std::unique_ptr<Explorer> make_explorer(const scenarios::Scenario& sc, const std::string& engine,
                                        std::uint64_t seed) {
  auto ex = Explorer::make(sc, memory_config(engine, seed));
  if (!ex) throw std::runtime_error(ex.error().message);
  return std::move(ex.value());
}

std::unique_ptr<Strategy> strategy(const std::string& spec, std::uint64_t seed) {
  auto s = make_strategy(spec, seed);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s.value());
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ---- 1. throughput ---------------------------------------------------------------------------

void explorer_schedules(benchmark::State& state) {
  const std::int64_t tabs = state.range(0);
  auto ex = make_explorer(scenario(tabs_scenario(tabs)), "php-8.2", 1);
  auto random = strategy("random", 1);
  std::uint64_t index = 0;
  // Outside the timing: the serial orders the serializability check compares with, computed
  // once per explorer (up to 720 serial runs for 16 tabs).
  (void)ex->run_one(*random, index++);
  std::int64_t steps = 0;
  std::int64_t findings = 0;
  std::int64_t failures = 0;
  for (auto _ : state) {
    ScheduleRun run = ex->run_one(*random, index++);
    steps += static_cast<std::int64_t>(run.sched.schedule.picks.size());
    findings += run.violations.empty() ? 0 : 1;
    failures += run.first_failure() ? 1 : 0;
  }
  const auto n = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["steps/schedule"] = static_cast<double>(steps) / n;
  state.counters["lost-update%"] = 100.0 * static_cast<double>(findings) / n;
  // The memory handler declares last-writer-wins: a lost update is a finding, never a failure.
  state.counters["failures"] = static_cast<double>(failures);
}

/// A request of the baseline: `points` scheduling points and nothing else.
handlers::Task<void> trivial_task(Scheduler& s, int task, int points) {
  for (int i = 0; i < points; ++i) co_await s.park(task, "point", false);
}

void scheduler_baseline(benchmark::State& state) {
  const auto tabs = static_cast<int>(state.range(0));
  // As many points per request as the explorer's run of the same scenario takes.
  auto ex = make_explorer(scenario(tabs_scenario(tabs)), "php-8.2", 1);
  auto probe = strategy("random", 1);
  const int points = static_cast<int>(ex->run_one(*probe, 0).sched.schedule.picks.size()) / tabs;
  auto random = strategy("random", 1);
  std::uint64_t index = 0;
  // One io_context and scheduler for every schedule, as the explorer keeps them.
  boost::asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  Scheduler s(io);
  for (auto _ : state) {
    s.reset();
    random->begin(index++, tabs);
    for (int t = 0; t < tabs; ++t) {
      const int id = s.add_task();
      boost::asio::co_spawn(io, trivial_task(s, id, points), [&s, id](std::exception_ptr p) {
        if (p) std::rethrow_exception(p);
        s.finish(id);
      });
    }
    benchmark::DoNotOptimize(s.run(*random, 1'000'000));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["steps/schedule"] = points * tabs;
}

/// The same requests run once each, one after another, by the sequential runner (what
/// `sessionspec run` does): engine, handler and events, no scheduler and no checkers.
void sequential_runner(benchmark::State& state) {
  const auto& sc = scenario(tabs_scenario(state.range(0)));
  const scenarios::RunConfig cfg;
  for (auto _ : state) {
    handlers::ManualClock clock(sc.clock_start_s);
    auto backend = handlers::isolated_factory("memory")(clock, 1);
    benchmark::DoNotOptimize(scenarios::run_scenario(sc, cfg, *backend.value(), clock, {}).ok());
  }
  state.SetItemsProcessed(state.iterations());
}

/// The model engines alone: every request's procedures driven to the end, each handler call
/// answered at once (read returns the stored counter, everything else succeeds).
void engines_alone(benchmark::State& state) {
  const auto& sc = scenario(tabs_scenario(state.range(0)));
  const std::string stored = sc.store.at(0).data;
  model::RunOptions opts;
  model::Rng rng(1);
  auto drive = [&](model::Proc<model::Outcome> proc) {
    model::Machine<model::Outcome> m(std::move(proc));
    m.start();
    while (const model::HandlerCall* c = m.pending()) {
      m.resume(c->method == model::Method::read ? model::Answer::string_(stored)
                                                : model::Answer::boolean_(true));
    }
    benchmark::DoNotOptimize(m.result());
  };
  for (auto _ : state) {
    for (const auto& req : sc.requests) {
      auto engine =
          model::make_engine(model::EngineKind::php82,
                             model::RequestContext{opts, model::Variant::full, req.cookie}, rng);
      drive(engine->begin_request());
      for (const auto& st : req.steps) drive(engine->script(st.call));
      drive(engine->end_request());
    }
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(explorer_schedules)->Name("explore/schedules")->Arg(2)->Arg(8)->Arg(16);
BENCHMARK(scheduler_baseline)->Name("explore/baseline/scheduler")->Arg(2)->Arg(8)->Arg(16);
BENCHMARK(sequential_runner)->Name("explore/baseline/sequential-run")->Arg(2)->Arg(8)->Arg(16);
BENCHMARK(engines_alone)->Name("explore/baseline/engines-alone")->Arg(2)->Arg(8)->Arg(16);

// ---- 2. time to first detection --------------------------------------------------------------

/// What each hunt looks for: the property, and whether it is a failure or a finding (the lost
/// update on the last-writer-wins memory store).
struct Target {
  const char* scenario;
  const char* engine;
  const char* property;
};

constexpr Target clobbered{"scenarios/races/clobbered-shared-session", "shared-array", "isolation"};
constexpr Target lost_update{"scenarios/races/two-tabs-counter", "php-8.2", "lost-update"};

/// The wall time each hunt may take.
constexpr double budget_s = 1.0;

bool detects(const ScheduleRun& run, const Target& t) {
  for (const auto& v : run.violations) {
    if (v.property == t.property) return true;
  }
  return false;
}

/// The explorer as `sessionspec explore` runs it (portfolio strategy), from nothing (making the
/// explorer and its serial outcomes included) to the first schedule that shows the race.
void explorer_detection(benchmark::State& state, Target t) {
  std::uint64_t seed = 0;
  std::int64_t schedules = 0;
  std::int64_t missed = 0;
  double worst_s = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto ex = make_explorer(scenario(t.scenario), t.engine, ++seed);
    auto portfolio = strategy("portfolio", seed);
    bool found = false;
    for (std::uint64_t i = 0; !found && seconds_since(t0) < budget_s; ++i) {
      found = detects(ex->run_one(*portfolio, i), t);
      ++schedules;
    }
    missed += found ? 0 : 1;
    worst_s = std::max(worst_s, seconds_since(t0));
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["schedules"] = static_cast<double>(schedules) / n;
  state.counters["missed"] = static_cast<double>(missed);
  state.counters["worst_ms"] = worst_s * 1e3;
}

/// The stress test of the same scenario: run after run until one shows the race or the budget
/// is spent (then the iteration's time is the whole budget and `missed` counts it).
void stress_detection(benchmark::State& state, Target t, Stress how) {
  auto ex = make_explorer(scenario(t.scenario), t.engine, 1);
  std::uint64_t index = 0;
  std::int64_t runs = 0;
  std::int64_t missed = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    bool found = false;
    while (!found && seconds_since(t0) < budget_s) {
      found = detects(stress_run(*ex, index++, how), t);
      ++runs;
    }
    missed += found ? 0 : 1;
  }
  state.counters["runs"] = static_cast<double>(runs) / static_cast<double>(state.iterations());
  state.counters["missed"] = static_cast<double>(missed);
}

/// Hunts per stress benchmark: each may take the whole budget.
constexpr int stress_hunts = 20;

/// The three hunts of one race, side by side.
void register_detection(const std::string& race, Target t) {
  const std::string base = "explore/detect/" + race;
  benchmark::RegisterBenchmark((base + "/explorer").c_str(), explorer_detection, t)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime();
  benchmark::RegisterBenchmark((base + "/threads").c_str(), stress_detection, t, Stress::plain)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime()
      ->Iterations(stress_hunts);
  benchmark::RegisterBenchmark((base + "/threads-boosted").c_str(), stress_detection, t,
                               Stress::boosted)
      ->Unit(benchmark::kMicrosecond)
      ->UseRealTime()
      ->Iterations(stress_hunts);
}

const bool detection_registered = [] {
  register_detection("clobbered-shared-session", clobbered);
  register_detection("two-tabs-lost-update", lost_update);
  return true;
}();

// ---- 3. memory -------------------------------------------------------------------------------

std::int64_t resident_kb() {
  std::ifstream statm("/proc/self/statm");
  std::int64_t size = 0;
  std::int64_t resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE) / 1024;
}

/// Resident set size after 10k schedules and after 1M (two-tab counter, every checker on).
void resident_set(benchmark::State& state) {
  constexpr std::uint64_t early = 10'000;
  constexpr std::uint64_t late = 1'000'000;
  for (auto _ : state) {
    auto ex = make_explorer(scenario(tabs_scenario(2)), "php-8.2", 1);
    auto portfolio = strategy("portfolio", 1);
    std::int64_t at_early = 0;
    for (std::uint64_t i = 0; i < late; ++i) {
      benchmark::DoNotOptimize(ex->run_one(*portfolio, i));
      if (i + 1 == early) at_early = resident_kb();
    }
    const std::int64_t at_late = resident_kb();
    state.counters["rss_10k_kb"] = static_cast<double>(at_early);
    state.counters["rss_1M_kb"] = static_cast<double>(at_late);
    state.counters["growth%"] =
        100.0 * static_cast<double>(at_late - at_early) / static_cast<double>(at_early);
  }
}

BENCHMARK(resident_set)
    ->Name("explore/rss-10k-vs-1M")
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace
}  // namespace ss::sched
