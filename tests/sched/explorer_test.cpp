// The explorer's own machinery: schedule strings, the choice-vector strategy, shrinking to a
// minimal schedule, byte-identical replays, and lock waits that cannot livelock the scheduler.

#include "sched/explorer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <cstdlib>
#include <filesystem>

#include "base/assert.hpp"
#include "handlers/registry.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::sched {
namespace {

namespace fs = std::filesystem;

using ss::test::source_dir;

scenarios::Scenario load(const std::string& relative) {
  auto parsed = scenarios::load_scenario(source_dir() + "/" + relative);
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) throw std::runtime_error(e->str());
  return std::get<scenarios::Scenario>(std::move(parsed));
}

scenarios::Scenario parse(const std::string& text) {
  auto parsed = scenarios::parse_scenario(text, "test.scn");
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) throw std::runtime_error(e->str());
  return std::get<scenarios::Scenario>(std::move(parsed));
}

std::unique_ptr<Explorer> explorer(const scenarios::Scenario& sc, const std::string& engine,
                                   const std::string& uri = "memory") {
  ExploreConfig cfg;
  if (!select_engine(engine, cfg)) throw std::runtime_error("unknown engine " + engine);
  cfg.handler_uri = uri;
  cfg.factory = handlers::isolated_factory(uri);
  auto ex = Explorer::make(sc, cfg);
  if (!ex) throw std::runtime_error(ex.error().message);
  return std::move(ex.value());
}

std::unique_ptr<Strategy> strategy(const std::string& spec) {
  auto s = make_strategy(spec, 1);
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(s.value());
}

TEST(Schedule, PrintsRunLengthsAndParsesThemBack) {
  Schedule s;
  s.picks = {0, 0, 0, 1, 1, 0};
  EXPECT_EQ(s.str(), "0x3.1x2.0");
  auto back = parse_schedule(s.str());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->picks, s.picks);
  EXPECT_EQ(Schedule{}.str(), "-");
  EXPECT_FALSE(parse_schedule("0x").has_value());
  EXPECT_FALSE(parse_schedule("a.1").has_value());
  EXPECT_FALSE(parse_schedule("1x0").has_value());
}

TEST(ChoiceStrategy, ZeroContinuesAndOtherValuesNameTheTask) {
  ChoiceStrategy s({0, 1, 3, 5, 2, 3});
  s.begin(0, 3);
  const std::vector<int> ready{0, 1, 2};
  EXPECT_EQ(s.choose(ready, 1, 0), 1);    // 0: the current task goes on.
  EXPECT_EQ(s.choose(ready, 1, 1), 0);    // 1: task 0.
  EXPECT_EQ(s.choose(ready, 1, 2), 2);    // 3: task 2.
  EXPECT_EQ(s.choose(ready, 1, 3), 1);    // 5 wraps around: task 1.
  EXPECT_EQ(s.choose({0, 2}, 2, 4), 2);   // 2: task 1 is not ready, so no switch.
  EXPECT_EQ(s.choose(ready, -1, 99), 0);  // Past the end, no current task: the lowest id.
  EXPECT_EQ(s.choose({0, 2}, 0, 5), 2);   // 3: task 2.
}

TEST(Explorer, ShrinksTheClobberedSessionToTwoRequestsAndOnePreemption) {
  const auto sc = load("scenarios/races/clobbered-shared-session.scn");
  auto ex = explorer(sc, "shared-array");
  auto portfolio = strategy("portfolio");
  std::optional<ScheduleRun> failing;
  for (std::uint64_t i = 0; i < 200 && !failing; ++i) {
    ScheduleRun run = ex->run_one(*portfolio, i);
    // run_one keeps no trace: its events were judged as they happened.
    EXPECT_TRUE(run.events.empty());
    if (run.first_failure()) failing = std::move(run);
  }
  ASSERT_TRUE(failing.has_value());
  EXPECT_EQ(failing->first_failure()->property, "isolation");
  const Schedule minimal = ex->shrink(*failing);
  const ScheduleRun again = ex->replay(minimal);
  ASSERT_NE(again.first_failure(), nullptr);
  EXPECT_EQ(again.first_failure()->property, "isolation");
  EXPECT_EQ(again.sched.schedule.preemptions, 1);
  EXPECT_EQ(ex->tasks(), 2);
  // The replay's trace starts with the run header and is the same byte for byte every time,
  // also from another explorer.
  ASSERT_FALSE(again.events.empty());
  EXPECT_EQ(again.events.front().kind(), scenarios::EventKind::run);
  const auto hash = Explorer::trace_hash(again.events);
  EXPECT_EQ(Explorer::trace_hash(ex->replay(minimal).events), hash);
  EXPECT_EQ(Explorer::trace_hash(explorer(sc, "shared-array")->replay(minimal).events), hash);
}

TEST(Explorer, PerRequestContextsPassEveryExhaustedSchedule) {
  const auto sc = load("scenarios/races/clobbered-shared-session.scn");
  auto ex = explorer(sc, "php-8.2");
  auto dfs = strategy("dfs:2");
  std::size_t schedules = 0;
  for (; dfs->more() && schedules < 100'000; ++schedules) {
    const ScheduleRun run = ex->run_one(*dfs, schedules);
    ASSERT_EQ(run.first_failure(), nullptr) << run.first_failure()->detail;
  }
  EXPECT_FALSE(dfs->more()) << "the bounded search should exhaust";
  EXPECT_GT(schedules, 10U);
}

TEST(Explorer, JudgesALostUpdateOnALastWriterWinsStoreAsAFinding) {
  const auto sc = load("scenarios/races/two-tabs-counter.scn");
  auto ex = explorer(sc, "php-8.2");
  // tab1 reads, tab2 reads, both write: the classic lost update.
  const ScheduleRun run = ex->replay(*parse_schedule("0x3.1x3.0x3.1x3"));
  EXPECT_EQ(run.first_failure(), nullptr);
  ASSERT_EQ(run.violations.size(), 1U);
  EXPECT_EQ(run.violations[0].property, "lost-update");
  EXPECT_FALSE(run.violations[0].failure);
  ASSERT_TRUE(run.final_state.has_value());
  EXPECT_EQ(run.final_state->named.at("tabsession"), "a:1:{s:14:\"lesson_counter\";i:6;}");
}

TEST(Explorer, LockWaitsOfManyRequestsNeverLivelockTheScheduler) {
  // Eight tabs on one flock'd session: PCT keeps picking the waiters it favours; a retry that
  // finds the lock taken must not wake the other waiters, or the holder never runs again.
  std::string text = "store tabsession \"n|i:0;\"\nconcurrent\n";
  for (int i = 1; i <= 8; ++i) {
    text += "request name=tab" + std::to_string(i) +
            " cookie=tabsession\n  session_start\n  incr n\n  session_write_close\n";
  }
  const auto sc = parse(text);
  const fs::path dir = fs::temp_directory_path() / ("ss-livelock-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto ex = explorer(sc, "php-8.2", "files:" + dir.string());
  for (const char* spec : {"pct:3", "pct:2", "random"}) {
    auto s = strategy(spec);
    for (std::uint64_t i = 0; i < 20; ++i) {
      const ScheduleRun run = ex->run_one(*s, i);
      ASSERT_EQ(run.first_failure(), nullptr) << spec << ": " << run.first_failure()->detail;
      EXPECT_TRUE(run.violations.empty()) << spec << ": " << run.violations[0].detail;
    }
  }
  fs::remove_all(dir);
}

/// A broken strategy: always picks task 7, which never exists.
class PicksAGhost final : public Strategy {
 public:
  void begin(std::uint64_t, int) override {}
  int choose(const std::vector<int>&, int, std::size_t) override { return 7; }
  [[nodiscard]] std::string name() const override { return "ghost"; }
};

handlers::Task<void> two_points(Scheduler& s, int task) {
  co_await s.park(task, "first", false);
  co_await s.park(task, "second", false);
}

TEST(Scheduler, AssertsThatThePickedTaskIsReady) {
  const base::ScopedAssertThrows throwing;
  boost::asio::io_context io;
  Scheduler s(io);
  const int id = s.add_task();
  boost::asio::co_spawn(io, two_points(s, id), [&s, id](std::exception_ptr) { s.finish(id); });
  PicksAGhost ghost;
  try {
    (void)s.run(ghost, 100);
    FAIL() << "the scheduler resumed a task that is not ready";
  } catch (const base::AssertionFailure& e) {
    EXPECT_NE(std::string(e.what()).find("picked task 7, which is not ready"), std::string::npos)
        << e.what();
  }
  s.reset();
}

}  // namespace
}  // namespace ss::sched
