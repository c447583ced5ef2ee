// main()'s dispatch: an exception that escapes a verb is exit 3 with one line, not an abort
// (issue #14, D2: `certify` died with exit 134 and no output when one escaped).

#include "cli/dispatch.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace ss::cli {
namespace {

/// Runs `sessionspec VERB` where VERB's action is `action`; returns the exit code.
int run_verb(std::function<int()> action) {
  CLI::App app{"test"};
  app.require_subcommand(1);
  CLI::App* cmd = app.add_subcommand("verb", "a verb");
  const std::vector<Verb> verbs{{cmd, std::move(action)}};
  const char* argv[] = {"sessionspec", "verb"};
  return dispatch(app, verbs, 2, argv);
}

TEST(Main, D2_EscapedExceptionIsExit3WithOneLine) {
  testing::internal::CaptureStderr();
  const int code = run_verb([]() -> int { throw std::runtime_error("boom\nat line two"); });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 3);
  EXPECT_EQ(err, "sessionspec: internal error: boom at line two\n");
}

TEST(Main, D2_AnyEscapingObjectIsExit3) {
  testing::internal::CaptureStderr();
  const int code = run_verb([]() -> int { throw 42; });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 3);
  EXPECT_EQ(err, "sessionspec: internal error: an exception that is not a std::exception\n");
}

TEST(Main, VerbExitCodesPassThroughAndParseErrorsAreInputErrors) {
  EXPECT_EQ(run_verb([] { return 1; }), 1);
  CLI::App app{"test"};
  app.require_subcommand(1);
  const std::vector<Verb> verbs{{app.add_subcommand("verb", "a verb"), [] { return 0; }}};
  const char* argv[] = {"sessionspec", "nosuchverb"};
  testing::internal::CaptureStderr();
  EXPECT_EQ(dispatch(app, verbs, 2, argv), 2);
  EXPECT_NE(testing::internal::GetCapturedStderr().find("(see --help)"), std::string::npos);
}

}  // namespace
}  // namespace ss::cli
