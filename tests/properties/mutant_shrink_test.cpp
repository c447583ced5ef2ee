// A deliberately broken handler fails the property with a shrunk sequence, and the printed
// reproduce string replays exactly that failure. Run programmatically (run_property), the way
// `sessionspec mutants` and certify run properties.

#include <gtest/gtest.h>

#include <iostream>
#include <optional>

#include "handlers/testing/mutants.hpp"
#include "properties/property.hpp"

namespace ss::properties {
namespace {

struct ShrinkCase {
  std::string mutant;
  /// The shrunk case may have at most this many commands.
  std::size_t commands_max = 0;
};

std::ostream& operator<<(std::ostream& os, const ShrinkCase& c) {
  return os << c.mutant;
}

class MutantShrink : public ::testing::TestWithParam<ShrinkCase> {};

TEST_P(MutantShrink, FailsShrinksAndReplays) {
  handlers::register_mutants();
  std::optional<CaseSummary> last;
  PropertySpec spec{"mutant:" + GetParam().mutant + "+memory", model::EngineKind::php82,
                    [&last](const CaseSummary& s) { last = s; }};
  RunParams params;
  params.seed = 7;
  params.max_success = 2000;
  const PropertyResult found = run_property(spec, params);
  ASSERT_FALSE(found.passed) << "the mutant survived " << found.cases << " cases";
  ASSERT_FALSE(found.error) << found.description;
  ASSERT_FALSE(found.reproduce.empty());
  std::cout << format_failure(spec, params, found);

  // Replaying runs only the shrunk case: its size is what the shrinker reached.
  last.reset();
  RunParams replay;
  replay.reproduce = found.reproduce;
  const PropertyResult again = run_property(spec, replay);
  ASSERT_FALSE(again.passed);
  EXPECT_EQ(again.description, found.description);
  EXPECT_EQ(again.counterexample, found.counterexample);
  ASSERT_TRUE(last.has_value());
  ASSERT_TRUE(last->failure.has_value());
  EXPECT_LE(last->commands, GetParam().commands_max) << again.counterexample;
  EXPECT_GE(found.shrinks, 1);
}

// destroy-noop: start, destroy, end; touch-rewrites-stale needs an earlier request with data
// and an overlapping request, so its minimal case is longer.
INSTANTIATE_TEST_SUITE_P(Mutants, MutantShrink,
                         ::testing::Values(ShrinkCase{"destroy-noop", 4},
                                           ShrinkCase{"touch-rewrites-stale", 8}),
                         [](const ::testing::TestParamInfo<ShrinkCase>& info) {
                           std::string name = info.param.mutant;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace ss::properties
