// The virtual-time advantage (issue #17, item 6; figures in docs/benchmarks.md): time to first
// detection of two races that need time to pass, on a real redis-server with our Redis handler
// in lock mode, by the explorer on its virtual clock against a real-time stress test.
//
//  (a) the lock-lease race: a request outlives its lock's lease (lock_ttl_ms, 30 s by default,
//      phpredis's max_execution_time), a second request takes the lock, and the first one's
//      write is refused (ErrorCode::lock_lost): scenarios/faults/redis-lock-lease-expiry.scn
//      explored with its faults (stalls just past the lease), against pairs of real requests;
//  (b) gc mid-request: a request reads a session 10 s before its lifetime ends and works past
//      it, so the session expires under it before it writes back (phpredis #1411, P-43):
//      scenarios/races/gc-mid-request.scn (age 90 s, lifetime 100 s) explored, against real
//      requests on sessions written with a 10 s TTL.
//
// Both sides see a race through the same decorator (Watching): a write refused with lock_lost,
// or a session that read as data and reads as '' just before the same request writes it. The
// stress test is what one would write without virtual time: many pairs of real requests on
// std::threads at once, real sleeps for their work and start offsets (uniform over twice the
// window), the handler's real lease and TTLs on the server's clock, wave after wave until one
// shows the race. Needs REDIS_PORT (a redis-server on 127.0.0.1 the benchmark may write to).

#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "handlers/registry.hpp"
#include "handlers/run_task.hpp"
#include "handlers/testing/mutants.hpp"
#include "sched/explorer.hpp"

namespace ss::sched {
namespace {

using WallClock = std::chrono::steady_clock;

double seconds_between(WallClock::time_point a, WallClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

/// When each race was first seen (wall time), shared by every request of a hunt.
class Sightings {
 public:
  explicit Sightings(WallClock::time_point t0) : t0_(t0) {}
  void saw() {
    const std::lock_guard lock(mutex_);
    if (!first_s_) first_s_ = seconds_between(t0_, WallClock::now());
  }
  [[nodiscard]] std::optional<double> first_s() const {
    const std::lock_guard lock(mutex_);
    return first_s_;
  }

 private:
  WallClock::time_point t0_;
  mutable std::mutex mutex_;
  std::optional<double> first_s_;
};

/// One request's handler, watched for the two races (Sightings::saw).
class Watching final : public handlers::ForwardingHandler {
 public:
  Watching(std::unique_ptr<handlers::SessionHandler> inner, Sightings& seen)
      : ForwardingHandler(std::move(inner)), seen_(seen) {}
  handlers::Task<handlers::Result<std::string>> read(std::string id) override {
    auto call = inner().read(id);
    auto r = co_await std::move(call);
    if (r && !r.value().empty()) read_data_.insert(id);
    co_return r;
  }
  handlers::Task<handlers::Status> write(std::string id, std::string data) override {
    if (read_data_.count(id) != 0) {
      // The request holds the lock: this read only looks whether the session is still there.
      auto probe = inner().read(id);
      auto now = co_await std::move(probe);
      if (now && now.value().empty()) seen_.saw();
    }
    auto call = inner().write(id, data);
    auto r = co_await std::move(call);
    if (!r && r.error().code == handlers::ErrorCode::lock_lost) seen_.saw();
    co_return r;
  }

 private:
  Sightings& seen_;
  std::set<std::string> read_data_;
};

class WatchingBackend final : public handlers::Backend {
 public:
  WatchingBackend(std::unique_ptr<handlers::Backend> inner, Sightings& seen)
      : inner_(std::move(inner)), seen_(seen) {}
  [[nodiscard]] std::string uri() const override { return inner_->uri(); }
  [[nodiscard]] handlers::Guarantees guarantees() const override { return inner_->guarantees(); }
  [[nodiscard]] model::Capabilities capabilities() const override { return inner_->capabilities(); }
  [[nodiscard]] std::unique_ptr<handlers::SessionHandler> connect(
      handlers::RequestEnv env) override {
    return std::make_unique<Watching>(inner_->connect(env), seen_);
  }
  [[nodiscard]] handlers::FaultControl* fault_control() override { return inner_->fault_control(); }
  [[nodiscard]] handlers::FaultDriver* fault_driver() override { return inner_->fault_driver(); }

 private:
  std::unique_ptr<handlers::Backend> inner_;
  Sightings& seen_;
};

std::optional<int> race_redis_port() {
  const char* port = std::getenv("REDIS_PORT");
  if (port == nullptr || *port == '\0') return std::nullopt;
  return std::atoi(port);
}

std::string race_source_dir() {
  const char* dir = std::getenv("SESSIONSPEC_SOURCE_DIR");
  return dir ? dir : SESSIONSPEC_SOURCE_DIR_DEFAULT;
}

/// What one race is, on each side.
struct Race {
  /// The scenario the explorer explores, under the source tree.
  const char* scenario;
  /// The explorer's handler URI after redis://127.0.0.1:PORT, and its faults ("" for none).
  const char* explorer_params;
  const char* faults;
  /// The stress test's handler URI parameters, and the window a request must outlast (the
  /// lease, or the time left before the session's TTL ends), in ms.
  const char* stress_params;
  int window_ms;
  /// Whether a second request takes the session (the lease race) or only time passes.
  bool second_request;
};

constexpr Race lease_race{"scenarios/faults/redis-lock-lease-expiry.scn",
                          "?mode=lock",
                          "stall,crash",
                          "?mode=lock",
                          30'000,
                          true};
constexpr Race gc_race{"scenarios/races/gc-mid-request.scn",
                       "?mode=lock&ttl_s=100",
                       "",
                       "?mode=lock&ttl_s=10",
                       10'000,
                       false};

/// Schedules one explorer hunt may try.
constexpr std::uint64_t hunt_schedules_max = 100'000;

/// The explorer from nothing (making it included) to the first schedule that shows the race,
/// portfolio strategy, a new seed per iteration.
void explorer_hunt(benchmark::State& state, Race race) {
  const auto port = race_redis_port();
  if (!port) return state.SkipWithError("set REDIS_PORT to a redis-server on 127.0.0.1");
  auto parsed = scenarios::load_scenario(race_source_dir() + "/" + race.scenario);
  const auto& sc = std::get<scenarios::Scenario>(parsed);
  const std::string uri = "redis://127.0.0.1:" + std::to_string(*port) + race.explorer_params;
  std::uint64_t seed = 0;
  double schedules = 0;
  double worst_s = 0;
  for (auto _ : state) {
    const auto t0 = WallClock::now();
    Sightings seen(t0);
    ExploreConfig cfg;
    select_engine("php-8.2", cfg);
    cfg.handler_uri = uri;
    cfg.seed = ++seed;
    auto inner = handlers::isolated_factory(uri);
    cfg.factory = [inner, &seen](
                      handlers::Clock& clock,
                      std::uint64_t s) -> handlers::Result<std::unique_ptr<handlers::Backend>> {
      auto made = inner(clock, s);
      if (!made) return made.error();
      return std::unique_ptr<handlers::Backend>(
          std::make_unique<WatchingBackend>(std::move(made.value()), seen));
    };
    if (*race.faults != '\0') cfg.faults = parse_fault_options(race.faults).value();
    auto ex = Explorer::make(sc, cfg);
    if (!ex) return state.SkipWithError(ex.error().message.c_str());
    auto strategy = std::move(make_strategy("portfolio", seed).value());
    std::uint64_t i = 0;
    for (; i < hunt_schedules_max && !seen.first_s(); ++i) (void)ex.value()->run_one(*strategy, i);
    if (!seen.first_s()) return state.SkipWithError("the explorer did not see the race");
    schedules += static_cast<double>(i);
    worst_s = std::max(worst_s, seconds_between(t0, WallClock::now()));
  }
  state.counters["schedules"] = schedules / static_cast<double>(state.iterations());
  state.counters["worst_ms"] = worst_s * 1e3;
}

/// What PHP makes of a request: open, read, the script's work (a real sleep), write, close; no
/// write when the read failed (session_start() returned false). Locals are named before every
/// co_await (g++ 12 and temporaries in co_await expressions).
handlers::Task<void> php_request(handlers::SessionHandler& h, std::string id, int work_ms) {
  std::string path;
  std::string name = "PHPSESSID";
  auto opening = h.open(path, name);
  (void)co_await std::move(opening);
  auto reading = h.read(id);
  auto got = co_await std::move(reading);
  std::this_thread::sleep_for(std::chrono::milliseconds(work_ms));
  if (got) {
    std::string data = got.value() + "m|i:1;";
    auto writing = h.write(id, data);
    (void)co_await std::move(writing);
  }
  auto closing = h.close();
  (void)co_await std::move(closing);
}

/// A request that only writes `data` (a session written before the race).
handlers::Task<void> seeding_request(handlers::SessionHandler& h, std::string id,
                                     std::string data) {
  std::string path;
  std::string name = "PHPSESSID";
  auto opening = h.open(path, name);
  (void)co_await std::move(opening);
  auto writing = h.write(id, data);
  (void)co_await std::move(writing);
  auto closing = h.close();
  (void)co_await std::move(closing);
}

/// One real request after `delay_ms`, on a backend of its own (a PHP process of its own: its own
/// connection and lock secret), on the real clock.
void real_request(const std::string& uri, std::uint64_t seed, const std::string& id, int delay_ms,
                  int work_ms, Sightings& seen) {
  handlers::RealClock clock;
  auto made = handlers::make_backend(uri, seed, clock);
  if (!made) throw std::runtime_error(made.error().reason);
  WatchingBackend backend(std::move(made.value()), seen);
  handlers::IoPoints points;
  auto h = backend.connect(handlers::RequestEnv{&clock, &points, seed});
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  handlers::run_task(php_request(*h, id, work_ms));
}

/// real_request on a thread of its own: what it throws is printed, not std::terminate.
void real_request_thread(const std::string& uri, std::uint64_t seed, const std::string& id,
                         int delay_ms, int work_ms, Sightings& seen) {
  try {
    real_request(uri, seed, id, delay_ms, work_ms, seen);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "virtual-time bench: request on %s: %s\n", id.c_str(), e.what());
  }
}

/// Writes session `id` ("n|i:1;", with the URI's TTL) as a request of its own would.
void seed_session(const std::string& uri, std::uint64_t seed, const std::string& id) {
  handlers::RealClock clock;
  auto made = handlers::make_backend(uri, seed, clock);
  if (!made) throw std::runtime_error(made.error().reason);
  handlers::IoPoints points;
  auto h = made.value()->connect(handlers::RequestEnv{&clock, &points, seed});
  handlers::run_task(seeding_request(*h, id, "n|i:1;"));
}

/// Pairs of real requests per wave, at once.
constexpr int wave_pairs = 16;
/// Waves one stress hunt may run before it gives up.
constexpr int waves_max = 4;

/// The stress test: waves of `wave_pairs` sessions at once, each read by a request that works
/// for a uniform random time in [0, 2 window] and (the lease race) a second request that comes
/// at a uniform random moment of that span; until a wave shows the race.
void stress_hunt(benchmark::State& state, Race race) {
  const auto port = race_redis_port();
  if (!port) return state.SkipWithError("set REDIS_PORT to a redis-server on 127.0.0.1");
  const std::string uri = "redis://127.0.0.1:" + std::to_string(*port) + race.stress_params;
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> span(0, 2 * race.window_ms);
  double waves = 0;
  for (auto _ : state) {
    const auto t0 = WallClock::now();
    Sightings seen(t0);
    for (int wave = 0; wave < waves_max && !seen.first_s(); ++wave) {
      std::vector<std::thread> threads;
      for (int p = 0; p < wave_pairs; ++p) {
        const std::string id = "vtbench" + std::to_string(wave) + "x" + std::to_string(p);
        const auto seed = static_cast<std::uint64_t>(1000 * wave + 10 * p);
        seed_session(uri, seed, id);
        threads.emplace_back(real_request_thread, uri, seed + 1, id, 0, span(rng), std::ref(seen));
        if (race.second_request) {
          threads.emplace_back(real_request_thread, uri, seed + 2, id, span(rng), 0,
                               std::ref(seen));
        }
      }
      for (auto& t : threads) t.join();
      ++waves;
    }
    if (!seen.first_s()) return state.SkipWithError("no wave showed the race");
    state.SetIterationTime(*seen.first_s());
  }
  state.counters["waves"] = waves / static_cast<double>(state.iterations());
}

const bool virtual_time_registered = [] {
  for (const auto& [name, race] :
       {std::pair{"lock-lease", lease_race}, {"gc-mid-request", gc_race}}) {
    const std::string base = std::string("virtual-time/") + name;
    benchmark::RegisterBenchmark((base + "/explorer").c_str(), explorer_hunt, race)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(20);
    benchmark::RegisterBenchmark((base + "/real-time-stress").c_str(), stress_hunt, race)
        ->Unit(benchmark::kSecond)
        ->UseManualTime()
        ->Iterations(1);
  }
  return true;
}();

}  // namespace
}  // namespace ss::sched
