// Numeric and path edge cases on the command line: every one is bad input, so `sessionspec`
// exits 2 with one line on stderr naming the value, within a bound, never with a signal. Plus
// untrusted bytes in a scenario reach the terminal escaped (D17). The cases listed here are the
// ones this work fixed or found right; the verb options (--seed, --cases, --schedules, ...) are
// D8/D18, covered by the certify work (docs/reliability.md).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/reliability/support.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::reliability {
namespace {

struct CliRun {
  int status = -1;  // exit code, or 128 + signal
  std::string out;
  std::string err;
  double seconds = 0;
};

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Runs the sessionspec binary with `args`; stdout and stderr go to files under `scratch`.
CliRun run_cli(const std::vector<std::string>& args, const std::string& scratch) {
  std::string cmd = quote(SESSIONSPEC_CLI);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + quote(scratch + "/out") + " 2>" + quote(scratch + "/err");
  const auto start = std::chrono::steady_clock::now();
  const int raw = std::system(cmd.c_str());
  CliRun r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  r.out = slurp(scratch + "/out");
  r.err = slurp(scratch + "/err");
  return r;
}

struct BadInput {
  std::string label;
  /// The --handler URI; "{scratch}" is replaced by the test's scratch directory.
  std::string handler;
  /// A piece of the one-line error.
  std::string says;
};
void PrintTo(const BadInput& b, std::ostream* os) {
  *os << b.label;
}

std::vector<BadInput> bad_handlers() {
  return {
      {"table_rows_zero", "table:x?rows=0", "rows"},
      {"table_rows_overflow", "table:x?rows=99999999999999999999", "rows"},
      {"table_row_bytes_negative", "table:x?row_bytes=-1", "row_bytes"},
      {"table_name_path", "table:../../etc", "NAME"},
      {"redis_port_zero", "redis://127.0.0.1:0", "port"},
      {"redis_port_too_big", "redis://127.0.0.1:65536", "port"},
      {"redis_timeout_zero", "redis://127.0.0.1:6379?timeout_ms=0", "timeout_ms"},
      {"redis_timeout_huge", "redis://127.0.0.1:6379?timeout_ms=99999999999", "timeout_ms"},
      {"redis_not_loopback", "redis://10.0.0.1:6379", "loopback"},
      {"redis_nothing_listening", "redis://127.0.0.1:1?timeout_ms=500", "127.0.0.1:1"},
      {"sqlite_no_directory", "sqlite:{scratch}/missing/x.db", "missing"},
      {"sqlite_busy_negative", "sqlite:{scratch}/x.db?busy_timeout_ms=-1", "busy_timeout_ms"},
      {"sqlite_ttl_zero", "sqlite:{scratch}/x.db?ttl_s=0", "ttl_s"},
      {"files_missing", "files:{scratch}/missing", "missing"},
      {"files_not_a_directory", "files:/etc/passwd", "not a directory"},
      {"files_world_writable", "files:{scratch}/open", "sticky"},
      {"unknown_scheme", "ftp://127.0.0.1/x", "ftp"},
  };
}

class BadHandlerUri : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadHandlerUri, ExitsTwoWithOneLineNamingTheValue) {
  ScratchDir scratch("verbs");
  ASSERT_TRUE(scratch.ok());
  ASSERT_EQ(::mkdir((scratch.path() + "/open").c_str(), 0700), 0);
  ASSERT_EQ(::chmod((scratch.path() + "/open").c_str(), 0777), 0);
  std::string uri = GetParam().handler;
  if (auto at = uri.find("{scratch}"); at != std::string::npos) {
    uri.replace(at, 9, scratch.path());
  }
  const std::string gist = test::source_dir() + "/scenarios/gist/1-open-write-close.scn";
  const CliRun r = run_cli({"check", gist, "--handler", uri}, scratch.path());
  EXPECT_EQ(r.status, 2) << uri << "\nstdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_LT(r.seconds, 10.0) << uri;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(GetParam().says), std::string::npos) << r.err;
}

INSTANTIATE_TEST_SUITE_P(Check, BadHandlerUri, ::testing::ValuesIn(bad_handlers()),
                         [](const ::testing::TestParamInfo<BadInput>& i) { return i.param.label; });

TEST(CommandLine, D17_HostileBytesInAScenarioReachTheTerminalEscaped) {
  ScratchDir scratch("verbs");
  ASSERT_TRUE(scratch.ok());
  const std::string scn = scratch.path() + "/evil.scn";
  std::ofstream(scn) << "scenario evil\x1b]0;owned\x07\n"
                        "store abc\x1b[2J \"k|s:7:\\\"\\u001b[31mred\\\";\"\n"
                        "request cookie=abc\x1b[2J\n"
                        "  session_start\n"
                        "  get k\n";
  ASSERT_EQ(::mkdir((scratch.path() + "/files").c_str(), 0700), 0);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", scn},
        std::vector<std::string>{"check", scn, "--handler",
                                 "files:" + scratch.path() + "/files"}}) {
    const CliRun r = run_cli(args, scratch.path());
    EXPECT_LT(r.status, 128) << args[0] << " died with a signal";
    for (const std::string* text : {&r.out, &r.err}) {
      EXPECT_EQ(text->find('\x1b'), std::string::npos) << args[0] << " printed ESC:\n" << *text;
      EXPECT_EQ(text->find('\x07'), std::string::npos) << args[0] << " printed BEL";
    }
  }
}

TEST(CommandLine, OversizedScenarioFileIsBadInput) {
  ScratchDir scratch("verbs");
  ASSERT_TRUE(scratch.ok());
  const std::string scn = scratch.path() + "/huge.scn";
  std::ofstream(scn) << "request\n" << std::string(5 << 20, '#') << "\n";
  const CliRun r = run_cli({"check", scn}, scratch.path());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("too large"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ss::reliability
