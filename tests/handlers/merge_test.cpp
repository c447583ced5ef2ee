// The key-level three-way merge (handlers/merge.hpp) that the Redis handler's `optimistic` mode
// and the table handler's compare-and-swap use, without any store.

#include "handlers/merge.hpp"

#include <gtest/gtest.h>

namespace ss::handlers {
namespace {

TEST(MergeTest, KeepsDisjointChanges) {
  auto m = merge_session_keys("a|i:1;b|i:2;", "a|i:1;b|i:3;", "a|i:9;b|i:2;");
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_EQ(m.value(), "a|i:9;b|i:3;");
}

TEST(MergeTest, AddsAndDeletesFromBothSides) {
  // Remote added r and deleted x; mine added m and deleted y.
  auto m = merge_session_keys("x|i:1;y|i:2;", "y|i:2;r|i:3;", "x|i:1;m|i:4;");
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_EQ(m.value(), "r|i:3;m|i:4;");
}

TEST(MergeTest, MineWinsAKeyBothChangedAndRemoteEditBeatsMyDelete) {
  auto m = merge_session_keys("k|i:1;d|i:1;", "k|i:2;d|i:5;", "k|i:3;");
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_EQ(m.value(), "k|i:3;d|i:5;");
}

TEST(MergeTest, RefusesWhatDoesNotDecode) {
  auto m = merge_session_keys("a|i:1;", "garbage-without-a-bar", "a|i:2;");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::conflict);
  EXPECT_NE(m.error().reason.find("current"), std::string::npos) << m.error().reason;
}

TEST(MergeTest, RefusesSessionsWithReferences) {
  // D21: such sessions decode now, but their references are numbered by position.
  auto m = merge_session_keys("k|i:5;j|R:1;", "k|i:6;j|R:1;", "k|i:5;j|R:1;x|i:1;");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ErrorCode::conflict);
  EXPECT_NE(m.error().reason.find("references"), std::string::npos) << m.error().reason;
}

TEST(MergeTest, AnEmptyBaseMergesTwoFirstWrites) {
  // Both requests saw no session: the other one's keys stay, mine are added.
  auto m = merge_session_keys("", "other|i:1;", "mine|i:2;");
  ASSERT_TRUE(m) << m.error().reason;
  EXPECT_EQ(m.value(), "other|i:1;mine|i:2;");
}

}  // namespace
}  // namespace ss::handlers
