// The verdict vocabulary and the policy that turns a certificate's verdicts into its outcome.

#include "certify/verdict.hpp"

#include <gtest/gtest.h>

#include "certify/plan.hpp"

namespace ss::certify {
namespace {

TEST(Verdict, NamesRoundTrip) {
  for (const Verdict v :
       {Verdict::pass, Verdict::finding, Verdict::fail, Verdict::skip, Verdict::error}) {
    EXPECT_EQ(parse_verdict(verdict_name(v)), v) << verdict_name(v);
  }
  EXPECT_EQ(verdict_name(Verdict::finding), "finding");
  EXPECT_FALSE(parse_verdict("maybe"));
  EXPECT_FALSE(parse_verdict("PASS"));
}

TEST(Verdict, FindingsAndSkipsCertify) {
  EXPECT_EQ(outcome({Verdict::pass, Verdict::finding, Verdict::skip}), Outcome::certified);
}

TEST(Verdict, AFailureIsNotCertifiedEvenBesideErrors) {
  EXPECT_EQ(outcome({Verdict::pass, Verdict::fail}), Outcome::not_certified);
  EXPECT_EQ(outcome({Verdict::error, Verdict::fail, Verdict::pass}), Outcome::not_certified);
}

TEST(Verdict, AnErrorIsNeverAPass) {
  EXPECT_EQ(outcome({Verdict::pass, Verdict::error}), Outcome::incomplete);
}

// D9: a certificate without rows holds no evidence.
TEST(Certify, D9_NoRowsIsNoPass) {
  EXPECT_EQ(outcome({}), Outcome::incomplete);
}

TEST(Plan, OnlySelectsRowsByPrefix) {
  Plan plan;
  EXPECT_TRUE(selected(plan, "L2.contract.php-8.2"));
  plan.only = {"L1", "L3.race.two-tabs"};
  EXPECT_TRUE(selected(plan, "L1.gist"));
  EXPECT_TRUE(selected(plan, "L3.race.two-tabs-counter"));
  EXPECT_FALSE(selected(plan, "L3.race.disjoint-keys"));
  EXPECT_FALSE(selected(plan, "L2.contract.php-8.2"));
}

}  // namespace
}  // namespace ss::certify
