// SS_ASSERT: always on, aborts with file, line, condition and message by default; throws
// base::AssertionFailure while a test holds a ScopedAssertThrows.

#include "base/assert.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ss::base {
namespace {

int evaluations = 0;

std::string counted_message() {
  ++evaluations;
  return "the message";
}

TEST(Assert, PassingAssertionsDoNothingAndDoNotFormatTheirMessage) {
  evaluations = 0;
  SS_ASSERT(1 + 1 == 2, counted_message());
  EXPECT_EQ(evaluations, 0);
}

TEST(Assert, ThrowsWithWhereAndWhyInThrowingMode) {
  const ScopedAssertThrows throwing;
  const int picked = 3;
  try {
    SS_ASSERT(picked < 2, "task " + std::to_string(picked) + " is not ready");
    FAIL() << "SS_ASSERT did not throw";
  } catch (const AssertionFailure& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("assert_test.cpp:"), std::string::npos) << what;
    EXPECT_NE(what.find("picked < 2"), std::string::npos) << what;
    EXPECT_NE(what.find("task 3 is not ready"), std::string::npos) << what;
  }
}

TEST(Assert, ThrowingModeEndsWithItsScope) {
  {
    const ScopedAssertThrows outer;
    const ScopedAssertThrows inner;
  }
  EXPECT_DEATH(SS_ASSERT(false, "after the scopes"), "assertion failed: false: after the scopes");
}

TEST(Assert, AbortsWithFileLineAndMessageByDefault) {
  EXPECT_DEATH(SS_ASSERT(2 < 1, "an invariant"),
               "assert_test.cpp:[0-9]+: assertion failed: 2 < 1: an invariant");
}

TEST(Assert, StaysOnUnderNdebug) {
#ifndef NDEBUG
  GTEST_SKIP() << "this build does not define NDEBUG";
#else
  const ScopedAssertThrows throwing;
  EXPECT_THROW(SS_ASSERT(false, "kept under NDEBUG"), AssertionFailure);
#endif
}

}  // namespace
}  // namespace ss::base
