// D14: quadratic paths on legal input. Each test builds an input a thousand times larger than a
// shipped scenario and bounds the time it may take by about 100 times what the linear code needs
// on this machine (measured figures in docs/benchmarks.md): a hang guard, not a benchmark, so it
// does not flake on a loaded machine, yet the quadratic code (minutes) fails it. The speed
// itself is measured by bench/model_scale_bench.cpp.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <variant>

#include "model/calls.hpp"
#include "model/store_model.hpp"
#include "model/value.hpp"
#include "scenarios/scenario.hpp"

namespace ss {
namespace {

using Clock = std::chrono::steady_clock;

/// The hang guard: linear code does each case below in well under 100 ms here.
constexpr auto hang_guard = std::chrono::seconds(10);

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(ArrayScale, D14_PushAndSetAreAmortisedConstant) {
  constexpr std::int64_t n = 200'000;
  const auto start = Clock::now();
  model::Array pushed;
  for (std::int64_t i = 0; i < n; ++i) ASSERT_TRUE(pushed.push(model::Value{i}));
  model::Array named;
  for (std::int64_t i = 0; i < n; ++i) named.set("k" + std::to_string(i), model::Value{i});
  for (std::int64_t i = 0; i < n; i += 7) named.set("k" + std::to_string(i), model::Value{-i});
  std::int64_t found = 0;
  for (std::int64_t i = 0; i < n; ++i) found += pushed.find(model::Key{i}) != nullptr ? 1 : 0;
  const double took = seconds_since(start);
  EXPECT_LT(took, std::chrono::duration<double>(hang_guard).count())
      << n << " pushes, sets and finds took " << took << " s: per-element work is not O(1)";
  // The order and PHP's semantics are those of the linear code.
  EXPECT_EQ(found, n);
  ASSERT_EQ(named.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(std::get<std::string>(named.items[7].key), "k7");
  EXPECT_EQ(*named.find(std::string("k7")), model::Value{std::int64_t{-7}});
  EXPECT_EQ(std::get<std::int64_t>(pushed.items.back().key), n - 1);
}

TEST(ArrayScale, D14_IndexedArraysKeepPhpSemantics) {
  // Above the indexing threshold the answers are exactly those of a small array.
  for (std::size_t size : {std::size_t{3}, model::Array::indexed_size_min * 4}) {
    model::Array a;
    for (std::size_t i = 0; i < size; ++i) a.set(model::Key{std::int64_t(i) * 2}, model::Value{1});
    a.set(model::Key{std::string("name")}, model::Value{2});
    ASSERT_TRUE(a.push(model::Value{3}));
    EXPECT_EQ(std::get<std::int64_t>(a.items.back().key), std::int64_t(size - 1) * 2 + 1);
    EXPECT_TRUE(a.erase(model::Key{std::string("name")}));
    EXPECT_EQ(a.find(model::Key{std::string("name")}), nullptr);
    EXPECT_NE(a.find(model::Key{std::int64_t{0}}), nullptr);
    // Appending straight to items (as the codec does) is seen by the next lookup.
    a.items.push_back(model::Entry{model::Key{std::int64_t{1} << 40}, model::Value{4}});
    ASSERT_TRUE(a.push(model::Value{5}));
    EXPECT_EQ(std::get<std::int64_t>(a.items.back().key), (std::int64_t{1} << 40) + 1);
    a.set(model::Key{INT64_MAX}, model::Value{6});
    EXPECT_FALSE(a.push(model::Value{7})) << "the next key would pass INT64_MAX";
    const model::Array copy = a;
    EXPECT_EQ(copy, a);
    EXPECT_NE(copy.find(model::Key{INT64_MAX}), nullptr);
  }
}

TEST(StoreModelScale, D14_TtlExpiryVisitsOnlyExpiredRecords) {
  constexpr int n = 20'000;
  model::StoreConfig config;
  config.expiry = model::Expiry::ttl;
  config.ttl_s = n / 2;
  model::StoreModel store(config);
  const auto start = Clock::now();
  std::int64_t now = 1'000'000;
  for (int i = 0; i < n; ++i, ++now) {
    const model::HandlerCall write{model::Method::write, {"id" + std::to_string(i), "k|i:1;"}};
    ASSERT_TRUE(store.observe(write, model::Answer::boolean_(true), now).ok);
  }
  for (int i = 0; i < n; ++i) {
    const model::HandlerCall read{model::Method::read, {"id" + std::to_string(i)}};
    const bool live = i >= n / 2;  // the first half has expired by now
    const auto want = model::Answer::string_(live ? "k|i:1;" : "");
    ASSERT_TRUE(store.observe(read, want, now).ok) << "id" << i;
  }
  const double took = seconds_since(start);
  EXPECT_LT(took, std::chrono::duration<double>(hang_guard).count())
      << 2 * n << " observations of a " << n << "-session TTL store took " << took << " s";
  EXPECT_EQ(store.sessions().size(), static_cast<std::size_t>(n / 2));
}

TEST(StoreModelScale, D14_GcCountsAndRemovesTheExpiredOnly) {
  model::StoreModel store;  // gc_only
  for (int i = 0; i < 10; ++i) store.put("s" + std::to_string(i), "x", 100 + i);
  const model::HandlerCall gc{model::Method::gc, {"5"}};
  // At 110, sessions stamped 100..104 are older than 5 s.
  EXPECT_EQ(store.answer(gc, 110, "").n, 5);
  ASSERT_TRUE(store.observe(gc, model::Answer::integer_(5), 110).ok);
  EXPECT_EQ(store.sessions().size(), 5u);
  // A touch moves a session's age.
  ASSERT_TRUE(store
                  .observe({model::Method::update_timestamp, {"s5", "x"}},
                           model::Answer::boolean_(true), 200)
                  .ok);
  EXPECT_EQ(store.answer(gc, 200, "").n, 4);
}

TEST(ParserScale, D14_LongExpectCallsLineIsLinear) {
  std::string text = "request cookie=none\n  session_start\n  expect calls";
  constexpr int tokens = 700'000;  // 3.9 MB, under scenario_bytes_max
  for (int i = 0; i < tokens; ++i) text += i % 2 ? " read" : " write";
  text += "\n";
  const auto start = Clock::now();
  auto parsed = scenarios::parse_scenario(text, "long.scn");
  const double took = seconds_since(start);
  ASSERT_TRUE(std::holds_alternative<scenarios::Scenario>(parsed))
      << std::get<scenarios::ParseError>(parsed).str();
  EXPECT_LT(took, std::chrono::duration<double>(hang_guard).count())
      << "a " << text.size() << "-byte line took " << took << " s to tokenise";
  const auto& sc = std::get<scenarios::Scenario>(parsed);
  ASSERT_EQ(sc.requests.size(), 1u);
  ASSERT_EQ(sc.requests[0].steps.size(), 1u);
  ASSERT_EQ(sc.requests[0].steps[0].expects.size(), 1u);
  EXPECT_EQ(sc.requests[0].steps[0].expects[0].calls.size(), static_cast<std::size_t>(tokens));
}

}  // namespace
}  // namespace ss
