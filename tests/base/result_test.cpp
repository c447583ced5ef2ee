// base::Result: a value or an error, never both; the handler seam's Result is the same template.

#include "base/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ss::base {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return error(std::string("not a digit: '") + c + "'");
  return c - '0';
}

TEST(Result, HoldsTheValueOrTheError) {
  const auto seven = parse_digit('7');
  ASSERT_TRUE(seven.ok());
  EXPECT_TRUE(static_cast<bool>(seven));
  EXPECT_EQ(seven.value(), 7);
  EXPECT_EQ(*seven, 7);
  const auto bad = parse_digit('x');
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().message, "not a digit: 'x'");
}

TEST(Result, MovesMoveOnlyValuesOut) {
  Result<std::unique_ptr<int>> made = std::make_unique<int>(3);
  ASSERT_TRUE(made);
  std::unique_ptr<int> owned = std::move(made).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 3);
}

TEST(Result, TakesAnErrorTypeOfItsOwn) {
  enum class Code { refused };
  struct Why {
    Code code;
  };
  const Result<std::string, Why> r = Why{Code::refused};
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::refused);
  const Status fine = ok();
  EXPECT_TRUE(fine.ok());
}

}  // namespace
}  // namespace ss::base
