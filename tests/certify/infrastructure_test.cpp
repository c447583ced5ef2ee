// Failing infrastructure during a certification (issue #14: D2, D10, D12): a store directory
// removed and a Redis server killed in the middle of a run, for real. Certify never aborts; such
// rows are errors naming the cause, never passes and never handler failures.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "certify/certification.hpp"
#include "certify/inprocess_target.hpp"
#include "certify/plan.hpp"
#include "certify/runner.hpp"
#include "certify/scratch.hpp"
#include "handlers/registry.hpp"
#include "tests/certify/private_redis.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

namespace fs = std::filesystem;

Plan plan_for(const std::string& handler, int level, std::vector<std::string> only) {
  Plan plan;
  plan.handlers = {handler};
  plan.level = level;
  plan.only = std::move(only);
  plan.scenario_dir = ss::test::source_dir() + "/scenarios";
  plan.budgets.schedules = 5;
  plan.budgets.cases = 10;
  return plan;
}

/// The real isolated-backend factory of `uri`, which runs `before` ahead of its `n`th call.
sched::BackendFactory failing_at(const std::string& uri, int n, std::function<void()> before) {
  auto real = handlers::isolated_factory(uri);
  auto calls = std::make_shared<int>(0);
  return [real, calls, n, before](handlers::Clock& clock, std::uint64_t seed) {
    if (++*calls == n) before();
    return real(clock, seed);
  };
}

Certificate certify_one(const Plan& plan, Target& target) {
  Certificate c;
  certify_target(plan, target, {}, c);
  return c;
}

// D2: the explorer threw when the per-schedule backend factory failed (here: the files
// directory disappears after the first backends) and certify aborted with exit 134.
TEST(Certify, D2_StoreDirectoryRemovedMidRaceIsAnErrorRow) {
  const ScratchDir scratch("sessionspec-d2");
  ASSERT_TRUE(scratch.ok());
  const std::string store = scratch.path() + "/store";
  fs::create_directories(store);
  const std::string uri = "files:" + store;
  InProcessTarget target(uri, failing_at(uri, 3, [store] { fs::remove_all(store); }));
  const Certificate c = certify_one(plan_for(uri, 3, {"L3.race.race-two-tabs-counter"}), target);
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::error);
  // The row names the cause: the registry's one line about the vanished save path.
  EXPECT_NE(c.rows[0].evidence.find("save path " + store + ": No such file or directory"),
            std::string::npos)
      << c.rows[0].evidence;
  EXPECT_EQ(outcome(verdicts(c)), Outcome::incomplete);
}

// D2: Redis killed in the middle of L3.
TEST(Certify, D2_RedisKilledMidRaceIsAnErrorRow) {
  ss::test::PrivateRedis redis;
  if (!redis.ok()) GTEST_SKIP() << "redis-server cannot start here";
  const std::string uri = redis.uri("?mode=lock");
  InProcessTarget target(uri, failing_at(uri, 4, [&redis] { redis.kill(); }));
  const Certificate c = certify_one(plan_for(uri, 3, {"L3.race.race-two-tabs-counter"}), target);
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::error) << c.rows[0].evidence;
  EXPECT_NE(c.rows[0].evidence.find("Connection refused"), std::string::npos) << c.rows[0].evidence;
}

std::string refusal(const Plan& plan) {
  auto prepared = Certification::prepare(plan, {});
  if (auto* e = std::get_if<std::string>(&prepared)) return *e;
  return "";
}

// D10: a handler that cannot be used at all was certified row by row, each row paying for it:
// now it is an input error before anything runs.
TEST(Certify, D10_UnusableHandlerAtStartIsInputError) {
  int dead_port = 0;
  {
    ss::test::PrivateRedis redis;
    if (!redis.ok()) GTEST_SKIP() << "redis-server cannot start here";
    dead_port = redis.port();
  }  // Nothing listens there any more.
  const std::string redis = "redis://127.0.0.1:" + std::to_string(dead_port);
  EXPECT_NE(refusal(plan_for(redis, 1, {})).find("--handler " + redis + ": unusable: "),
            std::string::npos);
  EXPECT_NE(refusal(plan_for("exec:/nonexistent/handler", 1, {})).find("unusable: exec handler"),
            std::string::npos);
  const std::string hung =
      "exec:php " + ss::test::source_dir() + "/tests/php/exec_child.php hang?timeout_ms=300";
  EXPECT_NE(refusal(plan_for(hung, 1, {})).find("no answer within 300 ms"), std::string::npos);
}

// D10: a hung exec handler cost the full timeout per scenario, case and schedule (certify ran
// for minutes); the first hang is remembered and every later row is decided at once.
TEST(Certify, D10_HangIsRememberedAndLaterRowsAreDecidedAtOnce) {
  const std::string uri = "exec:php " + ss::test::source_dir() +
                          "/tests/certify/fixtures/hang_later_handler.php?timeout_ms=300";
  const auto t0 = std::chrono::steady_clock::now();
  auto prepared = Certification::prepare(plan_for(uri, 3, {}), {});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Certification>>(prepared))
      << std::get<std::string>(prepared);
  const Certificate c = std::get<std::unique_ptr<Certification>>(prepared)->run({});
  const auto took = std::chrono::steady_clock::now() - t0;
  // Every row of level 3: one per L1 folder (gist, lesson, php and each php/ family), the three
  // engine profiles of the contract, L2.create-sid (the handler has create_sid), and one per
  // race scenario.
  const std::string dir = ss::test::source_dir() + "/scenarios";
  std::size_t races = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/races")) {
    races += e.path().extension() == ".scn" ? 1 : 0;
  }
  ASSERT_EQ(c.rows.size(), level1_row_folders(dir).size() + 4 + races);
  EXPECT_EQ(c.rows[0].verdict, Verdict::fail);
  EXPECT_NE(c.rows[0].evidence.find("the handler is unusable: "), std::string::npos)
      << c.rows[0].evidence;
  EXPECT_NE(c.rows[0].evidence.find("no answer within 300 ms"), std::string::npos);
  for (std::size_t i = 1; i < c.rows.size(); ++i) {
    EXPECT_EQ(c.rows[i].verdict, Verdict::error) << c.rows[i].property;
    EXPECT_EQ(c.rows[i].evidence.rfind("not run: ", 0), 0u) << c.rows[i].evidence;
  }
  // One timeout and a few PHP start-ups; before, every scenario and schedule paid 300 ms.
  EXPECT_LT(took, std::chrono::seconds(20));
}

// D12: Redis down during L2 gave `fail` rows with an RC_PARAMS line that reproduces nothing.
TEST(Certify, D12_RedisDownDuringL2IsAnErrorNamingTheInfrastructure) {
  ss::test::PrivateRedis redis;
  if (!redis.ok()) GTEST_SKIP() << "redis-server cannot start here";
  Plan plan = plan_for(redis.uri("?mode=lock"), 2, {"L2"});
  auto prepared = Certification::prepare(plan, {});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Certification>>(prepared))
      << std::get<std::string>(prepared);
  redis.kill();
  const Certificate c = std::get<std::unique_ptr<Certification>>(prepared)->run({});
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::error);
  EXPECT_EQ(c.rows[0].evidence.rfind("infrastructure, not the handler: ", 0), 0u)
      << c.rows[0].evidence;
  EXPECT_NE(c.rows[0].evidence.find("Connection refused"), std::string::npos);
  // No line that claims to reproduce a failure: what to run is the row again, once the server
  // is back (issue #18: every row that did not pass says what to run).
  EXPECT_EQ(c.rows[0].replay.rfind("sessionspec certify --handler ", 0), 0u) << c.rows[0].replay;
  EXPECT_NE(c.rows[0].replay.find("--only " + c.rows[0].property), std::string::npos)
      << c.rows[0].replay;
  EXPECT_EQ(c.rows[0].replay.find("reproduce="), std::string::npos) << c.rows[0].replay;
  EXPECT_EQ(c.rows[1].verdict, Verdict::error);
  EXPECT_EQ(c.rows[2].verdict, Verdict::error);
  EXPECT_EQ(outcome(verdicts(c)), Outcome::incomplete);
}

}  // namespace
}  // namespace ss::certify
