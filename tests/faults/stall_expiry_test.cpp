// The lost-update check under stalls on a store whose sessions expire lazily (SQLite's rows read
// as '' past ttl_s): a stall that moves the clock while another request works decides what has
// expired. A run that lost nothing is not a lost update because the serial orders, running the
// stall elsewhere relative to the other request, let the session expire; a real lost update under
// the same stall, too short for anything to expire, still fails.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "handlers/registry.hpp"
#include "handlers/testing/faulty.hpp"
#include "handlers/testing/mutants.hpp"
#include "sched/explorer.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::sched {
namespace {

namespace fs = std::filesystem;

class StallExpiry : public ::testing::Test {
 protected:
  void SetUp() override {
    handlers::register_mutants();
    handlers::register_faults();
    dir_ = fs::temp_directory_path() /
           ("ss-stall-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    auto parsed = scenarios::load_scenario(ss::test::source_dir() +
                                           "/scenarios/faults/redis-lock-lease-expiry.scn");
    ASSERT_TRUE(std::holds_alternative<scenarios::Scenario>(parsed));
    sc_ = std::get<scenarios::Scenario>(std::move(parsed));
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// SQLite in transactional mode (serialised, rows expire lazily after 1440 s), behind
  /// `decorators` and the fault decorator.
  std::unique_ptr<Explorer> explorer(const std::string& decorators, const std::string& faults) {
    const std::string uri =
        decorators + "fault:none+sqlite:" + (dir_ / "s.db").string() + "?lock=transactional";
    ExploreConfig cfg;
    select_engine("php-8.2", cfg);
    cfg.handler_uri = uri;
    cfg.factory = handlers::isolated_factory(uri);
    cfg.faults = parse_fault_options(faults).value();
    auto ex = Explorer::make(sc_, cfg);
    if (!ex) throw std::runtime_error(ex.error().message);
    return std::move(ex.value());
  }

  static ScheduleRun replay(Explorer& ex, const std::string& schedule) {
    auto parsed = parse_schedule(schedule);
    if (!parsed) throw std::runtime_error("bad schedule " + schedule);
    return ex.replay(*parsed);
  }

  fs::path dir_;
  scenarios::Scenario sc_;
};

// B stalls 1441 s before its read while A holds the session; A writes at the end of the stall,
// B reads that write fresh and increments it: n = 3, nothing lost. Serial orders with B's stall
// at B's own point have A's write (or the seeded session) expire before B reads (n = 1 or 2).
// It used to fail lost-update (L4.fault.redis-lock-lease-expiry on sqlite?lock=transactional).
TEST_F(StallExpiry, AStallThatExpiresOnlyTheSerialOrdersIsNoLostUpdate) {
  auto ex = explorer("", "stall,crash");
  const ScheduleRun run = replay(*ex, "0x3.1/1.3:stall=1441");
  ASSERT_TRUE(run.final_state.has_value());
  EXPECT_NE(run.final_state->show().find("i:3;"), std::string::npos) << run.final_state->show();
  for (const auto& v : run.violations) ADD_FAILURE() << v.property << ": " << v.detail;
}

// The same schedule with a stall too short for anything to expire, on a handler that gives the
// lock back right after read: both requests read n = 1, and the update lost fails.
TEST_F(StallExpiry, ALostUpdateUnderTheSameShorterStallStillFails) {
  auto ex = explorer("mutant:lock-released-after-read+", "stall,crash");
  const ScheduleRun run = replay(*ex, "0x3.1/1.3:stall=100");
  ASSERT_TRUE(run.final_state.has_value());
  const Violation* v = run.first_failure();
  ASSERT_NE(v, nullptr) << run.final_state->show();
  EXPECT_EQ(v->property, "lost-update") << v->detail;
}

// A stall shorter than the lifetime: nothing can expire, and the lost update fails in every
// schedule where both requests read before either writes; the correct handler passes them all.
TEST_F(StallExpiry, AShortStallExpiresNothingAndTheLostUpdateFails) {
  auto broken = explorer("mutant:lock-released-after-read+", "stall=100,crash");
  auto strategy = std::move(make_strategy("portfolio", 1).value());
  std::optional<ScheduleRun> failing;
  for (std::uint64_t i = 0; i < 200 && !failing; ++i) {
    ScheduleRun run = broken->run_one(*strategy, i);
    if (run.first_failure()) failing = std::move(run);
  }
  ASSERT_TRUE(failing.has_value()) << "no lost update in 200 schedules";
  EXPECT_EQ(failing->first_failure()->property, "lost-update");
  auto correct = explorer("", "stall=100,crash");
  auto again = std::move(make_strategy("portfolio", 1).value());
  for (std::uint64_t i = 0; i < 100; ++i) {
    const ScheduleRun run = correct->run_one(*again, i);
    if (const Violation* v = run.first_failure()) {
      ADD_FAILURE() << run.sched.schedule.str() << ": " << v->property << ": " << v->detail;
      break;
    }
  }
}

}  // namespace
}  // namespace ss::sched
