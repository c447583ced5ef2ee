// `sessionspec explore` as a user runs it: exit 1 with a minimal schedule and a replay line that
// reproduces the trace hash, exit 0 when none is found, exit 2 with one line naming the bad
// argument, and a progress bar only on a terminal. Runs the built command
// (SESSIONSPEC_CLI, else build/cli/sessionspec next to this test's build/tests/).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>

#include "tests/support/source_dir.hpp"

namespace ss::sched {
namespace {

namespace fs = std::filesystem;

using ss::test::source_dir;

std::string cli() {
  if (const char* c = std::getenv("SESSIONSPEC_CLI")) return c;
  return (fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "cli" / "sessionspec")
      .string();
}

struct Ran {
  int code = -1;
  std::string out;
};

/// Runs a shell command line; stdout and stderr as `redirect` says.
Ran shell(const std::string& command) {
  Ran r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
    r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// `sessionspec explore ARGS` with stderr merged into stdout, from the source directory.
Ran explore(const std::string& args) {
  return shell("cd '" + source_dir() + "' && '" + cli() + "' explore " + args + " 2>&1");
}

class ExploreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(cli())) GTEST_FAIL() << "no sessionspec binary at " << cli();
  }
};

std::string match(const std::string& text, const std::string& pattern) {
  std::smatch m;
  return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : "";
}

TEST_F(ExploreCli, SharedArrayExitsOneWithAMinimalScheduleWhoseReplayReproducesIt) {
  const Ran r = explore("scenarios/races/clobbered-shared-session.scn --engine shared-array");
  ASSERT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("VIOLATION isolation"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(2 requests, 1 preemption,"), std::string::npos) << r.out;
  const std::string hash = match(r.out, "trace hash: ([0-9a-f]{16})");
  const std::string replay = match(r.out, "replay: sessionspec explore (.*)");
  ASSERT_FALSE(hash.empty()) << r.out;
  ASSERT_NE(replay.find("--replay "), std::string::npos) << r.out;
  const Ran again = explore(replay);
  EXPECT_EQ(again.code, 1) << again.out;
  EXPECT_EQ(match(again.out, "trace hash: ([0-9a-f]{16})"), hash) << again.out;
  EXPECT_NE(again.out.find("VIOLATION isolation"), std::string::npos) << again.out;
}

TEST_F(ExploreCli, PerRequestContextsExitZeroOverAHundredThousandSchedules) {
  const Ran r =
      explore("scenarios/races/clobbered-shared-session.scn --engine php-8.2 --schedules 100000");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("no violation in 100000 schedules"), std::string::npos) << r.out;
}

TEST_F(ExploreCli, InputErrorsExitTwoWithOneLineNamingTheArgument) {
  const std::string sc = "scenarios/races/two-tabs-counter.scn ";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {sc + "--engine php-9", "--engine: unknown engine 'php-9'"},
      {sc + "--strategy nope", "--strategy: unknown strategy 'nope'"},
      {sc + "--strategy pct:0", "--strategy: pct depth must be 1..8, got '0'"},
      {sc + "--replay 0x", "--replay: malformed schedule '0x'"},
      {sc + "--handler nosuch", "--handler nosuch: "},
      {sc + "--ini lazy_write", "--ini: expected KEY=VALUE, got 'lazy_write'"},
      {sc + "--variant huge", "--variant: unknown variant 'huge'"},
      {"scenarios/races/missing.scn", "missing.scn: cannot open scenario file"},
      {"scenarios/gist/1-open-write-close.scn", "has no concurrent block"},
  };
  for (const auto& [args, want] : cases) {
    const Ran r = explore(args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(want), std::string::npos) << args << "\n" << r.out;
    // One line: the error, nothing else (no partial run).
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << args << "\n" << r.out;
  }
}

TEST_F(ExploreCli, DrawsAProgressBarOnATerminalAndPlainLinesOtherwise) {
  const std::string args = "scenarios/races/two-tabs-counter.scn --schedules 2000";
  // Without a terminal, progress only when asked for (issue #18): counts, rate, time left.
  const Ran quiet = explore(args);
  ASSERT_EQ(quiet.code, 0) << quiet.out;
  EXPECT_EQ(quiet.out.find("schedules, "), std::string::npos) << quiet.out;
  const Ran plain = explore(args + " --progress");
  ASSERT_EQ(plain.code, 0) << plain.out;
  EXPECT_NE(plain.out.find("explore: 200/2000 schedules"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("explore: 2000/2000 schedules"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find('\r'), std::string::npos) << "a carriage return without a terminal";
  // script(1) gives the command a pseudo-terminal.
  const Ran tty = shell("cd '" + source_dir() + "' && script -qec \"'" + cli() + "' explore " +
                        args + "\" /dev/null");
  ASSERT_EQ(tty.code, 0) << tty.out;
  EXPECT_NE(tty.out.find("\r["), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("##############################] 2000/2000 schedules"), std::string::npos)
      << tty.out;
  EXPECT_EQ(tty.out.find("explore: 200/2000"), std::string::npos) << tty.out;
}

}  // namespace
}  // namespace ss::sched
