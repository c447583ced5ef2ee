// shell_quote: what a replay line prints must reach the program as the very same argument when
// the line is pasted into sh or bash (checked by running it: no shell is simulated here).

#include "base/shell_quote.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "base/child_process.hpp"

namespace ss::base {
namespace {

/// Awkward arguments: shell syntax of every kind, PHP class names, paths with spaces, an
/// injection attempt that would create `marker` if any quote were wrong.
std::vector<std::string> awkward_words(const std::string& marker) {
  return {"memory",
          "",
          "a path/with a space",
          "it's",
          "'",
          "''",
          "App\\Session\\Handler",
          "exec:php adapters/php/serve.php h.php App\\\\Session\\\\Handler",
          "x';touch " + marker + ";'y",
          "$(touch " + marker + ")",
          "`touch " + marker + "`",
          "$HOME ${PATH}",
          "a\nb",
          "tab\there",
          "*",
          "~",
          "#hash",
          "!bang",
          "semi;colon&amp|pipe",
          "\"double\"",
          "back\\slash\\",
          "-n",
          "redis://127.0.0.1:6379?mode=lock&prefix=a b"};
}

/// The words `shell` sees when it runs `printf '%s\0'` with the quoted words.
std::vector<std::string> words_through(const std::string& shell,
                                       const std::vector<std::string>& words) {
  const std::string line = "printf '%s\\0' " + shell_join(words);
  const ProcessResult r = run_process({shell, "-c", line}, 10'000);
  EXPECT_TRUE(r.ok()) << shell << " failed: " << r.err << " (" << r.error << ")";
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < r.out.size(); ++i) {
    if (r.out[i] != '\0') continue;
    out.push_back(r.out.substr(start, i - start));
    start = i + 1;
  }
  return out;
}

TEST(ShellQuote, PlainWordsStayAsTheyAre) {
  EXPECT_EQ(shell_quote("memory"), "memory");
  EXPECT_EQ(shell_quote("mutant:destroy-noop+memory"), "mutant:destroy-noop+memory");
  EXPECT_EQ(shell_quote("scenarios/php/1-start.scn"), "scenarios/php/1-start.scn");
  EXPECT_EQ(shell_quote("--seed=42"), "--seed=42");
}

TEST(ShellQuote, EverythingElseIsSingleQuoted) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("App\\Session\\Handler"), "'App\\Session\\Handler'");
  EXPECT_EQ(shell_join({"sessionspec", "check", "a b.scn"}), "sessionspec check 'a b.scn'");
}

TEST(ShellQuote, RoundTripsThroughShAndBash) {
  namespace fs = std::filesystem;
  const fs::path marker =
      fs::temp_directory_path() / ("ss-quote-marker-" + std::to_string(::getpid()));
  fs::remove(marker);
  const auto words = awkward_words(marker.string());
  for (const char* shell : {"/bin/sh", "/bin/bash"}) {
    EXPECT_EQ(words_through(shell, words), words) << shell;
  }
  EXPECT_FALSE(fs::exists(marker)) << "a quoted word ran a command";
  fs::remove(marker);
}

}  // namespace
}  // namespace ss::base
