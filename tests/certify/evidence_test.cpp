// What certify hands the report beyond the verdicts (reports/README.md): an L2 failure's shrunk
// counterexample, and the interleaving behind an L3 failure or finding, as races.json entries
// whose trace is the schedule replayed, named by the handler's display name.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "certify/certificate.hpp"
#include "certify/runner.hpp"
#include "handlers/testing/mutants.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

/// Certifies `uri` (shown as `name`) on the rows `only` selects, with small budgets.
Certificate certify_rows(const std::string& uri, const std::string& name, const std::string& only) {
  handlers::register_mutants();
  Plan plan;
  plan.handlers = {uri};
  plan.only = {only};
  plan.budgets.cases = 20;
  plan.budgets.schedules = 20;
  plan.scenario_dir = ss::test::source_dir() + "/scenarios";
  Certificate c;
  std::string error;
  auto target = make_target(uri, "", error);
  EXPECT_TRUE(target) << error;
  if (!target) return c;
  target->set_name(name);
  certify_target(plan, *target, RunHooks{}, c);
  return c;
}

TEST(CertifyEvidence, L2FailureCarriesItsShrunkCounterexample) {
  const Certificate c =
      certify_rows("mutant:destroy-noop+memory", "destroy-noop", "L2.contract.php-8.2");
  ASSERT_EQ(c.rows.size(), 1u);
  const Row& row = c.rows[0];
  ASSERT_EQ(row.verdict, Verdict::fail) << row.evidence;
  EXPECT_NE(row.counterexample.find("commands:"), std::string::npos) << row.counterexample;
  EXPECT_EQ(certificate_json(c)["verdicts"][0].value("counterexample", ""), row.counterexample);
  EXPECT_FALSE(has_races(c));
}

TEST(CertifyEvidence, PassingRowsCarryNoEvidenceForTheReport) {
  const Certificate c = certify_rows("memory", "memory", "L2.contract.php-8.2");
  ASSERT_EQ(c.rows.size(), 1u);
  EXPECT_EQ(c.rows[0].verdict, Verdict::pass);
  EXPECT_TRUE(c.rows[0].counterexample.empty());
  EXPECT_FALSE(certificate_json(c)["verdicts"][0].contains("counterexample"));
  EXPECT_FALSE(c.rows[0].race);
}

/// The distinct `lane` fields of a trace.
std::set<std::string> lanes(const nlohmann::json& trace) {
  std::set<std::string> out;
  for (const auto& e : trace) {
    if (e.contains("lane")) out.insert(e["lane"].get<std::string>());
  }
  return out;
}

TEST(CertifyEvidence, L3FailureCarriesTheShrunkInterleavingItReplays) {
  const Certificate c = certify_rows("mutant:lock-released-after-read+table:ss-evidence-test",
                                     "lock-released", "L3.race.race-disjoint-keys");
  ASSERT_EQ(c.rows.size(), 1u);
  const Row& row = c.rows[0];
  ASSERT_EQ(row.verdict, Verdict::fail) << row.evidence;
  ASSERT_TRUE(row.race);
  EXPECT_EQ(row.race->property, "lost-update");
  EXPECT_EQ(row.race->replay, row.replay);
  EXPECT_NE(row.replay.find("--replay " + row.race->schedule), std::string::npos) << row.replay;
  ASSERT_FALSE(row.race->trace.empty());
  EXPECT_EQ(row.race->trace[0]["kind"], "run");
  EXPECT_EQ(row.race->trace[0]["handler"], "lock-released") << "traces name the display name";
  EXPECT_GE(lanes(row.race->trace).size(), 2u) << "two requests interleave";
  const nlohmann::json races = races_json(c);
  ASSERT_EQ(races["races"].size(), 1u);
  EXPECT_EQ(races["races"][0]["row"], row.property);
  EXPECT_EQ(races["races"][0]["scenario"], "race-disjoint-keys");
  EXPECT_EQ(races["races"][0]["verdict"], "fail");
  EXPECT_EQ(races["races"][0]["handler"], "lock-released");
}

TEST(CertifyEvidence, L3FindingCarriesItsInterleavingAndReplayLine) {
  const Certificate c = certify_rows("memory", "memory", "L3.race.race-two-tabs-counter");
  ASSERT_EQ(c.rows.size(), 1u);
  const Row& row = c.rows[0];
  ASSERT_EQ(row.verdict, Verdict::finding) << row.evidence;
  ASSERT_TRUE(row.race);
  EXPECT_EQ(row.race->property, "lost-update");
  EXPECT_NE(row.race->replay.find("sessionspec explore"), std::string::npos);
  EXPECT_NE(row.race->replay.find("--replay " + row.race->schedule), std::string::npos);
  EXPECT_GE(lanes(row.race->trace).size(), 2u);
  EXPECT_TRUE(row.replay.empty()) << "a finding fails nothing: the row keeps no replay line";
  EXPECT_EQ(races_json(c)["races"][0]["verdict"], "finding");
}

}  // namespace
}  // namespace ss::certify
