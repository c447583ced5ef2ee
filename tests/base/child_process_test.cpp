// ChildProcess and run_process against real programs (sh, cat, sleep): lines both ways, bounded
// reads and waits whatever the child does, no SIGPIPE, the whole process group killed, stderr
// captured, no shell between argv and the program, and the termination-signal cleanup.

#include "base/child_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace ss::base {
namespace {

/// Whether `pid` is a live process (a zombie counts as dead: it runs nothing).
bool alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  const std::size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return false;
  const char state = text[paren + 2];
  return state != 'Z' && state != 'X';
}

/// Waits (at most `limit_ms`) for `pid` to die: a killed process is reaped by its new parent
/// asynchronously, so death is observed with a bound, never assumed.
bool dies_within(pid_t pid, int limit_ms) {
  const std::int64_t deadline = steady_ms() + limit_ms;
  while (alive(pid)) {
    if (steady_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

TEST(ChildProcess, LinesGoBothWays) {
  ChildProcess child;
  std::string error;
  ASSERT_TRUE(child.start({"cat"}, {}, error)) << error;
  ASSERT_TRUE(child.write("one\ntwo\n", steady_ms() + 5000));
  std::string line;
  ASSERT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::line);
  EXPECT_EQ(line, "one");
  ASSERT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::line);
  EXPECT_EQ(line, "two");
  EXPECT_EQ(child.read_line(line, steady_ms() + 50), ChildProcess::Read::timeout);
  child.close_stdin();
  EXPECT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::eof);
  const ChildProcess::Exit exit = child.finish(steady_ms() + 5000);
  EXPECT_FALSE(exit.killed);
  EXPECT_TRUE(WIFEXITED(exit.status) && WEXITSTATUS(exit.status) == 0);
  EXPECT_FALSE(child.running());
}

TEST(ChildProcess, ClosedStdoutOfALiveChildEndsTheReadAndTheWaitInTime) {
  ChildProcess child;
  std::string error;
  ASSERT_TRUE(child.start({"/bin/sh", "-c", "echo hello; exec >&-; sleep 30"}, {}, error));
  std::string line;
  ASSERT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::line);
  EXPECT_EQ(line, "hello");
  const std::int64_t begin = steady_ms();
  EXPECT_EQ(child.read_line(line, begin + 300), ChildProcess::Read::eof);
  const ChildProcess::Exit exit = child.finish(begin + 300);
  EXPECT_TRUE(exit.killed);
  EXPECT_TRUE(WIFSIGNALED(exit.status));
  EXPECT_LT(steady_ms() - begin, 2000) << "the wait was not bounded by its deadline";
}

TEST(ChildProcess, DestructionKillsWhatTheChildStarted) {
  pid_t grandchild = 0;
  {
    ChildProcess child;
    std::string error;
    ASSERT_TRUE(child.start({"/bin/sh", "-c", "sleep 60 & echo $!; wait"}, {}, error));
    std::string line;
    ASSERT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::line);
    grandchild = std::stoi(line);
    ASSERT_TRUE(alive(grandchild));
  }
  EXPECT_TRUE(dies_within(grandchild, 5000)) << "sleep outlived its ChildProcess";
}

TEST(ChildProcess, FinishKillsLeftoversOfAChildThatExited) {
  ChildProcess child;
  std::string error;
  ASSERT_TRUE(child.start({"/bin/sh", "-c", "sleep 60 >/dev/null & echo $!"}, {}, error));
  std::string line;
  ASSERT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::line);
  const pid_t grandchild = std::stoi(line);
  const ChildProcess::Exit exit = child.finish(steady_ms() + 5000);
  EXPECT_FALSE(exit.killed);
  EXPECT_TRUE(WIFEXITED(exit.status));
  EXPECT_TRUE(dies_within(grandchild, 5000));
}

TEST(ChildProcess, WritingToADeadChildIsFalseNotSigpipe) {
  ChildProcess child;
  std::string error;
  ASSERT_TRUE(child.start({"/bin/sh", "-c", "exec <&-; exit 0"}, {}, error));
  std::string line;
  EXPECT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::eof);
  // Larger than a pipe buffer, so that the write cannot vanish into it.
  const std::string big(1 << 20, 'x');
  EXPECT_FALSE(child.write(big, steady_ms() + 5000));
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0) << "a SIGPIPE was left pending";
}

TEST(ChildProcess, TooLongALineIsGarbage) {
  ChildProcess child;
  SpawnOptions options;
  options.line_bytes_max = 1000;
  std::string error;
  ASSERT_TRUE(child.start({"/bin/sh", "-c", "head -c 5000 /dev/zero; sleep 30"}, options, error));
  std::string line;
  EXPECT_EQ(child.read_line(line, steady_ms() + 5000), ChildProcess::Read::too_long);
}

TEST(ChildProcess, AMissingProgramIsAnErrorLine) {
  ChildProcess child;
  std::string error;
  EXPECT_FALSE(child.start({"/nonexistent/program"}, {}, error));
  EXPECT_NE(error.find("/nonexistent/program"), std::string::npos) << error;
  EXPECT_FALSE(child.running());
}

TEST(RunProcess, CapturesOutputErrorsAndStatus) {
  const ProcessResult r = run_process({"/bin/sh", "-c", "echo out; echo oops >&2; exit 3"}, 5000);
  ASSERT_TRUE(r.started) << r.error;
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "oops\n");
  EXPECT_TRUE(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3);
  EXPECT_FALSE(r.ok());
}

TEST(RunProcess, ArgumentsReachTheProgramWithoutAShell) {
  const ProcessResult r = run_process({"printf", "%s|", "$(id)", "a b", "x';y"}, 5000);
  ASSERT_TRUE(r.ok()) << r.error << r.err;
  EXPECT_EQ(r.out, "$(id)|a b|x';y|");
}

TEST(RunProcess, AHungProgramIsKilledAtItsTimeout) {
  const std::int64_t begin = steady_ms();
  const ProcessResult r = run_process({"sleep", "30"}, 200);
  EXPECT_TRUE(r.started);
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(steady_ms() - begin, 3000);
}

TEST(ChildCleanup, TerminationSignalKillsTheChildrensGroups) {
  int report[2];
  ASSERT_EQ(::pipe(report), 0);
  const pid_t runner = ::fork();
  ASSERT_GE(runner, 0);
  if (runner == 0) {
    // The runner stands in for sessionspec: it starts a child whose own child must not survive.
    ::close(report[0]);
    install_child_cleanup_on_signals();
    ChildProcess child;
    std::string error, line;
    if (!child.start({"/bin/sh", "-c", "sleep 60 & echo $!; wait"}, {}, error)) ::_exit(2);
    if (child.read_line(line, steady_ms() + 5000) != ChildProcess::Read::line) ::_exit(3);
    line += "\n";
    if (::write(report[1], line.data(), line.size()) < 0) ::_exit(4);
    ::pause();
    ::_exit(5);
  }
  ::close(report[1]);
  char buf[32] = {};
  ASSERT_GT(::read(report[0], buf, sizeof buf - 1), 0);
  ::close(report[0]);
  const pid_t grandchild = std::atoi(buf);
  ASSERT_TRUE(alive(grandchild));
  ::kill(runner, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(runner, &status, 0), runner);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
      << "the runner did not end by the signal it got";
  EXPECT_TRUE(dies_within(grandchild, 5000)) << "the child's group outlived its runner";
}

}  // namespace
}  // namespace ss::base
