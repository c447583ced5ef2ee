// The gc cutoff every collecting handler computes: the lifetime PHP passes to gc() is any integer
// (session.gc_maxlifetime is not range-checked), so the cutoff saturates rather than overflowing.

#include "handlers/clock.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace ss::handlers {
namespace {

constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

TEST(GcCutoff, IsNowMinusTheLifetimeWhenThatFits) {
  EXPECT_EQ(gc_cutoff_s(1'000, 1'440), -440);
  EXPECT_EQ(gc_cutoff_s(1'700'000'000, 0), 1'700'000'000);
  EXPECT_EQ(gc_cutoff_s(100, -5), 105);
}

TEST(GcCutoff, AHugeNegativeLifetimeMakesEverySessionOldEnough) {
  // now - INT64_MIN overflows upwards; as in PHP's own arithmetic, every mtime is below it.
  EXPECT_EQ(gc_cutoff_s(1'700'000'000, i64_min), i64_max);
  EXPECT_EQ(gc_cutoff_s(0, i64_min), i64_max);
}

TEST(GcCutoff, AHugePositiveLifetimeMakesEverythingYoung) {
  EXPECT_EQ(gc_cutoff_s(-1'700'000'000, i64_max), i64_min);
  EXPECT_EQ(gc_cutoff_s(-2, i64_max), i64_min);
}

}  // namespace
}  // namespace ss::handlers
