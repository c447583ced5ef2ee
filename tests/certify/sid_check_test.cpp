// The create_sid row's judgement (certify/sid_check.hpp): repeats across processes, the entropy
// estimate against the ini, and the ids of the built-in handlers, which must pass.

#include "certify/sid_check.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "handlers/registry.hpp"

namespace ss::certify {
namespace {

/// `count` ids of `length` characters drawn uniformly from `alphabet` (a fixed seed).
std::vector<std::string> random_ids(std::size_t count, std::size_t length,
                                    const std::string& alphabet) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string id;
    for (std::size_t c = 0; c < length; ++c) id += alphabet[pick(rng)];
    out.push_back(id);
  }
  return out;
}

const std::string base32 = "0123456789abcdefghijklmnopqrstuv";

TEST(SidCheck, EntropyOfUniformIdsIsCloseToTheirBits) {
  const double bits = estimated_entropy_bits(random_ids(sid_calls, 26, base32));
  EXPECT_GT(bits, 129.0);  // 26 x 5 = 130, low by about 0.02 bits per position
  EXPECT_LE(bits, 130.0);
}

TEST(SidCheck, PhpLikeIdsPassAndShortOnesFail) {
  EXPECT_TRUE(judge_sids(random_ids(sid_calls, 26, base32), sid_calls_per_process, 26, 5).passed);
  // 32 hexadecimal digits (128 bits, the fixtures' bin2hex(random_bytes(16))) are not weak.
  EXPECT_TRUE(
      judge_sids(random_ids(sid_calls, 32, "0123456789abcdef"), sid_calls_per_process, 26, 5)
          .passed);
  const ContractResult weak =
      judge_sids(random_ids(sid_calls, 16, "0123456789abcdef"), sid_calls_per_process, 26, 5);
  EXPECT_FALSE(weak.passed);
  EXPECT_NE(weak.evidence.find("where the ini asks for 130"), std::string::npos) << weak.evidence;
}

// A counter is unique but carries a few bits in its last digits only.
TEST(SidCheck, CountingIdsFailTheEstimate) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < sid_calls; ++i) {
    char text[32];
    std::snprintf(text, sizeof text, "sess%022zu", i);
    ids.emplace_back(text);
  }
  const double bits = estimated_entropy_bits(ids);
  EXPECT_LT(bits, 11.0);
  EXPECT_FALSE(judge_sids(ids, sid_calls_per_process, 26, 5).passed);
}

// Random within each process, the same sequence in every process (mt_srand with a constant).
TEST(SidCheck, IdsRepeatedAcrossProcessesAreNamed) {
  std::vector<std::string> ids = random_ids(sid_calls_per_process, 26, base32);
  const auto once = ids;
  ids.insert(ids.end(), once.begin(), once.end());
  const ContractResult r = judge_sids(ids, sid_calls_per_process, 26, 5);
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.evidence.find("create_sid repeated the id '" + once[0] + "'"), std::string::npos);
  EXPECT_NE(r.evidence.find("(call 1 of process 1, call 1 of process 2)"), std::string::npos)
      << r.evidence;
}

TEST(SidCheck, MemoryHandlerIdsPass) {
  std::vector<std::string> ids;
  const auto error =
      backend_sids(handlers::isolated_factory("memory"), 1, sid_calls, sid_calls_per_process, ids);
  ASSERT_FALSE(error) << *error;
  ASSERT_EQ(ids.size(), sid_calls);
  const ContractResult r = judge_sids(ids, sid_calls_per_process, 26, 5);
  EXPECT_TRUE(r.passed) << r.evidence;
}

}  // namespace
}  // namespace ss::certify
