// `sessionspec replay TOKEN` (issue #18): the token a failure prints names its handler and
// engine profile, so that the token alone replays the shrunk case; a token that does not decode
// is refused with a reason.

#include "properties/replay_token.hpp"

#include <gtest/gtest.h>

#include "handlers/testing/mutants.hpp"

namespace ss::properties {
namespace {

TEST(ReplayToken, NamesTheHandlerAndEngineAndReplaysTheSameCase) {
  handlers::register_mutants();
  const PropertySpec spec{"mutant:destroy-noop+memory", model::EngineKind::legacy, {}};
  RunParams params;
  params.seed = 3;
  params.max_success = 500;
  const PropertyResult found = run_property(spec, params);
  ASSERT_FALSE(found.passed);
  std::string reproduce;
  std::string error;
  const auto decoded = spec_from_token(found.reproduce, reproduce, error);
  ASSERT_TRUE(decoded.has_value()) << error;
  EXPECT_EQ(decoded->handler_uri, spec.handler_uri);
  EXPECT_EQ(decoded->engine, spec.engine);
  // Without its `reproduce=` key, as a user might paste it, it decodes the same.
  const auto bare = spec_from_token(found.reproduce.substr(10), reproduce, error);
  ASSERT_TRUE(bare.has_value()) << error;
  RunParams replay;
  replay.reproduce = reproduce;
  const PropertyResult again = run_property(*bare, replay);
  ASSERT_FALSE(again.passed);
  EXPECT_EQ(again.description, found.description);
  EXPECT_EQ(again.counterexample, found.counterexample);
  // RapidCheck's alphabet needs no quotes; the line is the token as one shell word.
  EXPECT_EQ(replay_command(found.reproduce), "sessionspec replay " + found.reproduce);
}

TEST(ReplayToken, RefusesWhatDoesNotDecode) {
  std::string reproduce;
  std::string error;
  EXPECT_FALSE(spec_from_token("reproduce=%%%", reproduce, error).has_value());
  EXPECT_NE(error.find("malformed replay token"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(spec_from_token("", reproduce, error).has_value());
  EXPECT_NE(error.find("malformed replay token"), std::string::npos) << error;
}

}  // namespace
}  // namespace ss::properties
