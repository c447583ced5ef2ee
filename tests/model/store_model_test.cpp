// The reference store's id policy is the handler's declared guarantee (model::IdPolicy): PHP hands
// a user handler ids such as "x.y;z", and keeping or refusing them are both PHP-legal choices.
// And its judgement of capacity refusals (issue #14, D13): a store that declares a capacity may
// refuse a new session or an oversized payload, with nothing stored; every other refusal is
// still a wrong answer.

#include "model/store_model.hpp"

#include <gtest/gtest.h>

namespace ss::model {
namespace {

constexpr std::int64_t now_s = 1'000;

HandlerCall write(const std::string& id, const std::string& data) {
  return HandlerCall{Method::write, {id, data}};
}

Answer capacity_refusal() {
  Answer a = Answer::failure_("table t is full");
  a.capacity_refusal = true;
  return a;
}

TEST(StoreModel, D13_CapacityRefusalWithinTheDeclaredLimitIsNotAWrongAnswer) {
  StoreConfig full_table;
  full_table.sessions_max = 1;
  full_table.payload_bytes_max = 8;
  StoreModel store(full_table);
  store.put("a1", "x|i:1;", now_s);
  // A new session in a full table: the declared limit; nothing is stored.
  EXPECT_TRUE(store.observe(write("b2", "y|i:2;"), capacity_refusal(), now_s).ok);
  EXPECT_EQ(store.sessions().count("b2"), 0u);
  // A payload over the row size, even for a stored session.
  EXPECT_TRUE(store.observe(write("a1", "a long payload"), capacity_refusal(), now_s).ok);
  EXPECT_EQ(store.sessions().at("a1").data, "x|i:1;");
}

TEST(StoreModel, D13_OtherRefusalsAreStillWrongAnswers) {
  StoreConfig full_table;
  full_table.sessions_max = 1;
  StoreModel limited(full_table);
  limited.put("a1", "x|i:1;", now_s);
  // An update of a stored session fits in its row: refusing it is wrong.
  EXPECT_FALSE(limited.observe(write("a1", "x|i:2;"), capacity_refusal(), now_s).ok);
  // A failure that is not a capacity refusal.
  EXPECT_FALSE(limited.observe(write("b2", "y"), Answer::failure_("disk"), now_s).ok);
  // A store without a declared limit may not refuse at all.
  StoreModel unlimited;
  EXPECT_FALSE(unlimited.observe(write("b2", "y"), capacity_refusal(), now_s).ok);
}

HandlerCall call(Method m, std::vector<std::string> args) {
  return HandlerCall{m, std::move(args)};
}

TEST(StoreModel, FilesCharsetPolicyRefusesOddIds) {
  StoreModel store(StoreConfig{});
  EXPECT_TRUE(store.observe(call(Method::read, {"x.y;z"}), Answer::failure_("bad"), now_s).ok);
  EXPECT_TRUE(store.odd_ids().seen);
  EXPECT_FALSE(store.odd_ids().accepted);
  EXPECT_FALSE(store.observe(call(Method::read, {"x.y;z"}), Answer::string_(""), now_s).ok);
}

TEST(StoreModel, AnyPolicyKeepsOddIds) {
  StoreConfig cfg;
  cfg.ids = IdPolicy::any;
  StoreModel store(cfg);
  EXPECT_FALSE(store.observe(call(Method::read, {"x.y;z"}), Answer::failure_("bad"), now_s).ok);
  EXPECT_TRUE(
      store.observe(call(Method::write, {"x.y;z", "a|i:1;"}), Answer::boolean_(true), now_s).ok);
  EXPECT_EQ(store.answer(call(Method::read, {"x.y;z"}), now_s, {}).s, "a|i:1;");
}

TEST(StoreModel, UndeclaredPolicyIsWhatTheFirstOddIdShows) {
  StoreConfig cfg;
  cfg.ids = IdPolicy::undeclared;
  StoreModel keeps(cfg);
  EXPECT_TRUE(keeps.observe(call(Method::read, {"x.y;z"}), Answer::string_(""), now_s).ok);
  EXPECT_TRUE(keeps.odd_ids().accepted);
  EXPECT_EQ(keeps.odd_ids().example, "x.y;z");
  // Having kept one, refusing the next is a broken promise.
  EXPECT_FALSE(
      keeps.observe(call(Method::write, {"x.y;z", "a|i:1;"}), Answer::failure_("no"), now_s).ok);

  StoreModel refuses(cfg);
  EXPECT_TRUE(refuses.observe(call(Method::read, {"a;b"}), Answer::failure_("no"), now_s).ok);
  EXPECT_FALSE(refuses.odd_ids().accepted);
  EXPECT_FALSE(
      refuses.observe(call(Method::write, {"a;b", "a|i:1;"}), Answer::boolean_(true), now_s).ok);
}

TEST(StoreModel, IdsInTheFilesCharsetSayNothingAboutThePolicy) {
  StoreConfig cfg;
  cfg.ids = IdPolicy::undeclared;
  StoreModel store(cfg);
  EXPECT_TRUE(store.observe(call(Method::read, {"abc123"}), Answer::string_(""), now_s).ok);
  EXPECT_FALSE(store.odd_ids().seen);
}

}  // namespace
}  // namespace ss::model
