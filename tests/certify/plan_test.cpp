// Plans are checked before anything runs: every input error is one line naming the option.

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "certify/certification.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

/// A plan for `handler` on the shipped scenarios, level 1 (cheap to prepare).
Plan plan_for(const std::string& handler) {
  Plan plan;
  plan.handlers = {handler};
  plan.level = 1;
  plan.scenario_dir = ss::test::source_dir() + "/scenarios";
  return plan;
}

/// The input error prepare() gives for `plan`, or "" when it accepts it.
std::string refusal(const Plan& plan, HandlerSets sets = {}) {
  auto prepared = Certification::prepare(plan, sets);
  if (auto* e = std::get_if<std::string>(&prepared)) return *e;
  return "";
}

// D8: --cases 2147483647 and --cases -1 aborted (exit 134), --schedules -1 became 2^64-1.
TEST(Certify, D8_BudgetsOutOfRangeAreInputErrors) {
  Plan p = plan_for("memory");
  p.budgets.cases = std::numeric_limits<int>::max();
  EXPECT_EQ(refusal(p), "--cases: 2147483647 is not in 1..100000");
  p.budgets.cases = -1;
  EXPECT_EQ(refusal(p), "--cases: -1 is not in 1..100000");
  p = plan_for("memory");
  p.budgets.schedules = std::numeric_limits<std::size_t>::max();
  EXPECT_NE(refusal(p).find("--schedules: 18446744073709551615 is not in 1..1000000"),
            std::string::npos);
  p = plan_for("memory");
  p.budgets.block_ms = 0;
  EXPECT_NE(refusal(p).find("--block-ms"), std::string::npos);
  p = plan_for("memory");
  p.level = 5;
  EXPECT_NE(refusal(p).find("--level: 5"), std::string::npos);
  EXPECT_EQ(refusal(plan_for("memory")), "");
}

// D18: `--all` beside `--handler` certified a handler twice.
TEST(Certify, D18_AllBesideHandlerCertifiesEachOnce) {
  Plan p = plan_for("memory");
  p.handlers = {"memory", "memory"};
  auto prepared = Certification::prepare(p, HandlerSets{.all = true});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Certification>>(prepared));
  const auto& handlers = std::get<std::unique_ptr<Certification>>(prepared)->plan().handlers;
  EXPECT_EQ(std::count(handlers.begin(), handlers.end(), "memory"), 1);
  EXPECT_EQ(handlers.front(), "memory");
  EXPECT_GT(handlers.size(), 1u);  // --all added the others.
}

// D18: `certify --scenarios /nonexistent` gave fail rows instead of an input error.
TEST(Certify, D18_MissingScenarioFolderIsInputError) {
  Plan p = plan_for("memory");
  p.scenario_dir = "/nonexistent";
  EXPECT_EQ(refusal(p),
            "--scenarios: /nonexistent/gist is not a directory (want a folder with gist/, lesson/, "
            "php/, races/ and faults/)");
  // Only what the plan reads must exist: L3 alone needs races/ only.
  p.scenario_dir = ss::test::source_dir() + "/scenarios/races/..";
  p.level = 3;
  p.only = {"L3"};
  EXPECT_EQ(refusal(p), "");
}

// D11: `--junit /tmp` (a directory) exited 0 with nothing written.
TEST(Certify, D11_UnwritableOutputIsInputErrorBeforeAnythingRuns) {
  Plan p = plan_for("memory");
  p.junit_file = "/tmp";
  EXPECT_EQ(refusal(p).rfind("--junit: cannot write '/tmp'", 0), 0u) << refusal(p);
  p.junit_file.clear();
  p.report_dir = "/dev/full";
  EXPECT_EQ(refusal(p).rfind("--report: cannot write to '/dev/full'", 0), 0u) << refusal(p);
}

// D11: a JUnit file whose writing fails (a full disk) is an error, not a success.
TEST(Certify, D11_FailedJunitWriteIsAnError) {
  Plan p = plan_for("memory");
  p.only = {"L1.gist"};
  p.junit_file = "/dev/full";
  auto prepared = Certification::prepare(p, {});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Certification>>(prepared));
  auto& run = *std::get<std::unique_ptr<Certification>>(prepared);
  const Certificate c = run.run({});
  const auto error = run.write_outputs(c);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->rfind("--junit: cannot write '/dev/full'", 0), 0u) << *error;
}

}  // namespace
}  // namespace ss::certify
