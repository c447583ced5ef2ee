// The report directory and the report generator, which runs as a program without a shell.

#include "certify/report.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "certify/runner.hpp"
#include "certify/scratch.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

namespace fs = std::filesystem;

/// Certifies memory on the gist scenarios, with their traces in `traces`.
Certificate gist_on_memory(const fs::path& traces) {
  Plan plan;
  plan.handlers = {"memory"};
  plan.level = 1;
  plan.only = {"L1.gist"};
  plan.scenario_dir = ss::test::source_dir() + "/scenarios";
  std::ofstream trace(traces);
  Certificate c;
  std::string error;
  auto target = make_target("memory", "", error);
  certify_target(plan, *target, RunHooks{{}, &trace}, c);
  return c;
}

// D7: the report directory used to be pasted into an `sh -c` string between single quotes, so
// a directory named like this ran `touch`.
TEST(Certify, D7_ReportDirectoryIsNeverShellSyntax) {
  const ScratchDir scratch("sessionspec-report-test");
  ASSERT_TRUE(scratch.ok());
  const fs::path planted = fs::path(scratch.path()) / "planted";
  const fs::path dir = fs::path(scratch.path()) / ("x';touch " + planted.string() + ";'y it's");
  fs::create_directories(dir);
  const fs::path traces = dir / "traces.jsonl";
  const Certificate c = gist_on_memory(traces);
  ASSERT_EQ(c.rows.size(), 1u);
  const auto error = write_report(dir.string(), c, traces.string(),
                                  ss::test::source_dir() + "/reports/sessionspec_report.py");
  EXPECT_FALSE(error) << *error;
  EXPECT_FALSE(fs::exists(planted)) << "the directory name ran as a shell command";
  EXPECT_TRUE(fs::exists(dir / "report.html"));
  EXPECT_TRUE(fs::exists(dir / "certificate.json"));
}

}  // namespace
}  // namespace ss::certify
