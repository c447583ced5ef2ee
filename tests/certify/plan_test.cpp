// Plans are checked before anything runs: every input error is one line naming the option.

#include <gtest/gtest.h>

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
  p.level = 4;
  EXPECT_NE(refusal(p).find("--level: 4"), std::string::npos);
  EXPECT_EQ(refusal(plan_for("memory")), "");
}

}  // namespace
}  // namespace ss::certify
