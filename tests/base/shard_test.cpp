// --shard: the one parser every sharded verb uses, and which units a shard owns.

#include "base/shard.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace ss::base {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Shard shard_of(std::string_view spec, std::map<std::string, std::string> vars = {}) {
  auto parsed = parse_shard(spec, env_of(std::move(vars)));
  if (auto* e = std::get_if<std::string>(&parsed)) ADD_FAILURE() << spec << ": " << *e;
  return std::get_if<Shard>(&parsed) ? std::get<Shard>(parsed) : Shard{};
}

std::string refusal(std::string_view spec, std::map<std::string, std::string> vars = {}) {
  auto parsed = parse_shard(spec, env_of(std::move(vars)));
  if (std::holds_alternative<Shard>(parsed)) return "accepted";
  return std::get<std::string>(parsed);
}

TEST(Shard, ParsesOneBasedIndexOfTotal) {
  EXPECT_EQ(shard_of("1/4"), (Shard{0, 4}));
  EXPECT_EQ(shard_of("4/4"), (Shard{3, 4}));
  EXPECT_EQ(shard_of("1/1"), (Shard{0, 1}));
  EXPECT_EQ(shard_of("3/4").str(), "3/4");
  EXPECT_TRUE(shard_of("1/1").whole());
  EXPECT_FALSE(shard_of("1/2").whole());
}

TEST(Shard, RefusesBadSpecsInOneLine) {
  for (const char* bad : {"0/4", "5/4", "x", "", "1/0", "/4", "1/", "1/4/2", "-1/4", "1/x", "2",
                          "auto/0", "auto/x", "1/10001", " 1/4"}) {
    const std::string e = refusal(bad);
    EXPECT_NE(e, "accepted") << bad;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  EXPECT_NE(refusal("5/4").find("'5/4'"), std::string::npos) << refusal("5/4");
}

TEST(Shard, UnitsOfNShardsCoverEachUnitOnce) {
  constexpr std::size_t units = 103;
  for (std::size_t n : {1, 2, 4, 7}) {
    std::multiset<std::size_t> seen;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t u = 0; u < units; ++u) {
        if (Shard{i, n}.owns(u)) seen.insert(u);
      }
    }
    ASSERT_EQ(seen.size(), units) << n;
    for (std::size_t u = 0; u < units; ++u) EXPECT_EQ(seen.count(u), 1u) << u;
  }
}

TEST(Shard, AutoTakesGoogleTestsZeroBasedIndexAndTotal) {
  EXPECT_EQ(shard_of("auto", {{"GTEST_SHARD_INDEX", "0"}, {"GTEST_TOTAL_SHARDS", "4"}}),
            (Shard{0, 4}));
  EXPECT_EQ(shard_of("auto", {{"GTEST_SHARD_INDEX", "3"}, {"GTEST_TOTAL_SHARDS", "4"}}),
            (Shard{3, 4}));
  EXPECT_NE(refusal("auto", {{"GTEST_SHARD_INDEX", "4"}, {"GTEST_TOTAL_SHARDS", "4"}}), "accepted");
  EXPECT_NE(refusal("auto", {{"GTEST_SHARD_INDEX", "0"}}).find("GTEST_TOTAL_SHARDS"),
            std::string::npos);
}

TEST(Shard, AutoTakesKubernetesIndexWithTotalFromOptionOrEnvironment) {
  EXPECT_EQ(shard_of("auto/4", {{"JOB_COMPLETION_INDEX", "2"}}), (Shard{2, 4}));
  EXPECT_EQ(shard_of("auto", {{"JOB_COMPLETION_INDEX", "2"}, {"SESSIONSPEC_TOTAL_SHARDS", "3"}}),
            (Shard{2, 3}));
  EXPECT_NE(refusal("auto", {{"JOB_COMPLETION_INDEX", "2"}}).find("SESSIONSPEC_TOTAL_SHARDS"),
            std::string::npos);
  EXPECT_NE(refusal("auto/2", {{"JOB_COMPLETION_INDEX", "2"}}), "accepted");
  EXPECT_NE(refusal("auto").find("JOB_COMPLETION_INDEX"), std::string::npos);
  // The option's total wins over the environment's.
  EXPECT_EQ(shard_of("auto/8", {{"GTEST_SHARD_INDEX", "5"}, {"GTEST_TOTAL_SHARDS", "6"}}),
            (Shard{5, 8}));
}

}  // namespace
}  // namespace ss::base
