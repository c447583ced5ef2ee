// The level loops on real targets: rows without evidence are never passes (issue #14, D9).

#include <gtest/gtest.h>

#include <filesystem>

#include "certify/certification.hpp"
#include "certify/scratch.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

namespace fs = std::filesystem;

using ss::test::source_dir;

Plan plan_for(const std::string& handler, int level, std::vector<std::string> only) {
  Plan plan;
  plan.handlers = {handler};
  plan.level = level;
  plan.only = std::move(only);
  plan.scenario_dir = source_dir() + "/scenarios";
  plan.budgets.schedules = 3;
  plan.budgets.cases = 5;
  return plan;
}

/// Prepares and runs `plan`; fails the test on an input error.
Certificate certify(const Plan& plan) {
  auto prepared = Certification::prepare(plan, {});
  if (auto* e = std::get_if<std::string>(&prepared)) {
    ADD_FAILURE() << "input error: " << *e;
    return {};
  }
  return std::get<std::unique_ptr<Certification>>(prepared)->run({});
}

std::string refusal(const Plan& plan) {
  auto prepared = Certification::prepare(plan, {});
  if (auto* e = std::get_if<std::string>(&prepared)) return *e;
  return "";
}

// D9: an --only with a typo ran nothing and exited 0.
TEST(Certify, D9_OnlyMatchingNothingIsInputError) {
  EXPECT_EQ(refusal(plan_for("memory", 3, {"L3.race.two-tabs"}))
                .rfind("--only L3.race.two-tabs: "
                       "matches no row",
                       0),
            0u);
  EXPECT_EQ(
      refusal(plan_for("memory", 1, {"L2"})).rfind("--only L2: matches no row at --level 1", 0),
      0u);
  EXPECT_EQ(refusal(plan_for("memory", 3, {"L3.race.race-two-tabs"})), "");
  EXPECT_EQ(refusal(plan_for("memory", 2, {"L2.contract.zealphp"})), "");
}

// D9: a folder without scenarios gave a row with no evidence.
TEST(Certify, D9_FolderWithoutScenariosIsNotAPass) {
  const ScratchDir scratch("sessionspec-d9");
  ASSERT_TRUE(scratch.ok());
  for (const char* folder : {"gist", "lesson", "php", "races"}) {
    fs::create_directories(fs::path(scratch.path()) / folder);
  }
  Plan plan = plan_for("memory", 1, {"L1.gist"});
  plan.scenario_dir = scratch.path();
  const Certificate c = certify(plan);
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::error);
  EXPECT_NE(c.rows[0].evidence.find("no evidence"), std::string::npos) << c.rows[0].evidence;
  EXPECT_EQ(outcome(verdicts(c)), Outcome::incomplete);
}

// D9: a handler that answers false to everything passed `--only L3`: it stores nothing, so no
// update can be lost.
TEST(Certify, D9_HandlerThatStoresNothingFailsItsRaces) {
  const std::string handler =
      "exec:php " + source_dir() + "/tests/certify/fixtures/false_handler.php";
  const Certificate c = certify(plan_for(handler, 3, {"L3.race.race-two-tabs-counter"}));
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::fail) << c.rows[0].evidence;
  EXPECT_NE(c.rows[0].evidence.find("no schedule left a session in the store"), std::string::npos);
  EXPECT_NE(c.rows[0].replay.find("--replay "), std::string::npos);
  // A handler that stores is judged as before.
  const Certificate memory = certify(plan_for("memory", 3, {"L3.race.race-two-tabs-counter"}));
  ASSERT_EQ(memory.rows.size(), 1u);
  EXPECT_TRUE(memory.rows[0].verdict == Verdict::pass || memory.rows[0].verdict == Verdict::finding)
      << memory.rows[0].verdict << ": " << memory.rows[0].evidence;
}

}  // namespace
}  // namespace ss::certify
