// Failing infrastructure during a certification (issue #14: D2, D10, D12): a store directory
// removed and a Redis server killed in the middle of a run, for real. Certify never aborts; such
// rows are errors naming the cause, never passes and never handler failures.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "certify/certification.hpp"
#include "certify/inprocess_target.hpp"
#include "certify/runner.hpp"
#include "certify/scratch.hpp"
#include "properties/target.hpp"
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
  auto real = properties::isolated_backends(uri);
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
  EXPECT_NE(c.rows[0].evidence.find("cannot create a directory in " + store), std::string::npos)
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

}  // namespace
}  // namespace ss::certify
