// The reference store's id policy is the handler's declared guarantee (model::IdPolicy): PHP hands
// a user handler ids such as "x.y;z", and keeping or refusing them are both PHP-legal choices.

#include "model/store_model.hpp"

#include <gtest/gtest.h>

namespace ss::model {
namespace {

HandlerCall call(Method m, std::vector<std::string> args) {
  return HandlerCall{m, std::move(args)};
}

constexpr std::int64_t now_s = 1000;

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
