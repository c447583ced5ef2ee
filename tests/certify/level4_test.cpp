// Level 4 (certify/level4.hpp): the fault catalogue explored against a handler and judged by its
// declared fault behaviour (issue #17).

#include "certify/level4.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "certify/certification.hpp"
#include "certify/inprocess_target.hpp"
#include "certify/runner.hpp"
#include "handlers/registry.hpp"
#include "handlers/testing/mutants.hpp"
#include "tests/certify/private_redis.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

using ss::test::source_dir;

Plan level4_plan(const std::string& handler, std::vector<std::string> only) {
  Plan plan;
  plan.handlers = {handler};
  plan.level = 4;
  plan.only = std::move(only);
  plan.scenario_dir = source_dir() + "/scenarios";
  plan.budgets.schedules = 60;
  plan.budgets.cases = 5;
  return plan;
}

Certificate run_level4(const Plan& plan) {
  auto prepared = Certification::prepare(plan, {});
  if (auto* e = std::get_if<std::string>(&prepared)) {
    ADD_FAILURE() << "input error: " << *e;
    return {};
  }
  return std::get<std::unique_ptr<Certification>>(prepared)->run({});
}

const Row* find_row(const Certificate& c, const std::string& id) {
  for (const Row& r : c.rows) {
    if (r.property == id) return &r;
  }
  return nullptr;
}

TEST(Level4, RowIdsDropTheCataloguePrefix) {
  EXPECT_EQ(fault_row_id("fault-sqlite-busy"), "L4.fault.sqlite-busy");
  EXPECT_EQ(fault_row_id("my-own"), "L4.fault.my-own");
}

// Every scenario of the catalogue is a row; memory suffers crashes, failed calls and stalls, and
// keeps every acknowledged write through them; it has no connection to reset and no disk.
TEST(Level4, MemoryPassesWhatItCanSufferAndSkipsTheRest) {
  const Certificate c = run_level4(level4_plan("memory", {"L4"}));
  ASSERT_EQ(c.rows.size(), 8u);
  for (const Row& r : c.rows) {
    EXPECT_EQ(r.level, 4) << r.property;
    // A finding: a lost update its last-writer-wins guarantee allows (the lease scenario).
    EXPECT_TRUE(r.verdict == Verdict::pass || r.verdict == Verdict::skip ||
                r.verdict == Verdict::finding)
        << r.property << ": " << verdict_name(r.verdict) << ": " << r.evidence;
  }
  const Row* wipe = find_row(c, "L4.fault.ci4-8567-read-failure-wipes");
  ASSERT_NE(wipe, nullptr);
  EXPECT_EQ(wipe->verdict, Verdict::pass);
  // The evidence names what the row was judged by.
  EXPECT_NE(wipe->evidence.find("60 schedules with faults fail"), std::string::npos)
      << wipe->evidence;
  EXPECT_NE(wipe->evidence.find("recovery=none"), std::string::npos) << wipe->evidence;
  const Row* reset = find_row(c, "L4.fault.phpredis-620-connection-reset");
  ASSERT_NE(reset, nullptr);
  EXPECT_EQ(reset->verdict, Verdict::skip);
  EXPECT_NE(reset->evidence.find("cannot suffer"), std::string::npos) << reset->evidence;
  EXPECT_EQ(outcome(verdicts(c)), Outcome::certified);
}

// CodeIgniter4 #8567: a read that answers '' when its lock fails wipes the session. The row
// fails on no-wipe, with an explore replay line that carries the faults and a schedule with
// one fault.
TEST(Level4, ReadEmptyOnFailureFailsWithAReplayLine) {
  handlers::register_mutants();
  const Certificate c = run_level4(
      level4_plan("mutant:read-empty-on-failure+memory", {"L4.fault.ci4-8567-read-failure-wipes"}));
  ASSERT_EQ(c.rows.size(), 1u);
  const Row& r = c.rows[0];
  EXPECT_EQ(r.verdict, Verdict::fail) << r.evidence;
  EXPECT_EQ(r.evidence.rfind("no-wipe: ", 0), 0u) << r.evidence;
  EXPECT_EQ(r.replay.rfind("sessionspec explore ", 0), 0u) << r.replay;
  EXPECT_NE(r.replay.find("--faults fail"), std::string::npos) << r.replay;
  EXPECT_NE(r.replay.find("--replay "), std::string::npos) << r.replay;
  ASSERT_TRUE(r.race.has_value());
  // The shrunk schedule has exactly one fault (a `skip` only drops a request: not a fault).
  const std::string& s = r.race->schedule;
  ASSERT_NE(s.find('/'), std::string::npos) << s;
  int faults = 0;
  for (std::size_t at = s.find('/'); at != std::string::npos; at = s.find(',', at + 1)) {
    const std::string part = s.substr(at + 1, s.find(',', at + 1) - at - 1);
    if (part.find(":skip") == std::string::npos) ++faults;
  }
  EXPECT_EQ(faults, 1) << s;
  EXPECT_EQ(outcome(verdicts(c)), Outcome::not_certified);
}

// redis-server killed in the middle of an L4 row (the private server of this test, after the
// explorer's first backends): the row ends, bounded by the handler's connect timeout, as an
// error naming the refused connection, never a pass and never a hang.
TEST(Level4, RedisKilledMidRowEndsAsAnErrorNamingIt) {
  ss::test::PrivateRedis redis;
  if (!redis.ok()) GTEST_SKIP() << "redis-server cannot start here";
  const std::string uri = redis.uri("?mode=lock");
  auto real = handlers::isolated_factory(uri);
  auto made = std::make_shared<int>(0);
  InProcessTarget target(uri, [real, made, &redis](handlers::Clock& clock, std::uint64_t seed) {
    if (++*made == 4) redis.kill();
    return real(clock, seed);
  });
  Certificate c;
  const auto t0 = std::chrono::steady_clock::now();
  certify_target(level4_plan(uri, {"L4.fault.killed-between-read-and-close"}), target, {}, c);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::error) << c.rows[0].evidence;
  EXPECT_NE(c.rows[0].evidence.find("Connection refused"), std::string::npos) << c.rows[0].evidence;
  // A generous bound (the connect timeout is about a second), not a timing assertion.
  EXPECT_LT(took, std::chrono::seconds(60));
}

// Below level 4 there are no L4 rows, and an --only L4 filter matches nothing.
TEST(Level4, OnlyAtLevelFour) {
  Plan plan = level4_plan("memory", {"L4"});
  plan.level = 3;
  auto prepared = Certification::prepare(plan, {});
  ASSERT_TRUE(std::holds_alternative<std::string>(prepared));
  EXPECT_EQ(std::get<std::string>(prepared).rfind("--only L4: matches no row at --level 3", 0), 0u)
      << std::get<std::string>(prepared);
}

}  // namespace
}  // namespace ss::certify
