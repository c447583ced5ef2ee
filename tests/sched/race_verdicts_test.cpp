// The race catalogue: every scenario in scenarios/races/ states, per engine and handler, what the
// explorer must conclude (`verdict` lines); this test explores each combination and asserts it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "properties/target.hpp"
#include "sched/explorer.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::sched {
namespace {

namespace fs = std::filesystem;

using ss::test::source_dir;

struct Case {
  std::string file;
  scenarios::Verdict verdict;
};

// GoogleTest would otherwise print the parameter as raw bytes in every test's name line.
void PrintTo(const Case& c, std::ostream* os) {
  *os << fs::path(c.file).filename().string() << ":" << c.verdict.line << " " << c.verdict.outcome
      << (c.verdict.property.empty() ? "" : " " + c.verdict.property);
}

std::vector<Case> catalogue() {
  std::vector<Case> out;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(source_dir() + "/scenarios/races")) {
    if (e.path().extension() == ".scn") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto parsed = scenarios::load_scenario(f);
    if (!std::holds_alternative<scenarios::Scenario>(parsed)) continue;
    for (const auto& v : std::get<scenarios::Scenario>(parsed).verdicts) out.push_back({f, v});
  }
  return out;
}

/// The handler URI for a verdict's handler scheme, or "" when it cannot run here.
std::string uri_for(const std::string& scheme, const std::string& scratch) {
  if (scheme == "memory") return "memory";
  if (scheme == "files") return "files:" + scratch;
  if (scheme == "table") return "table:race-" + std::to_string(::getpid()) + "?fresh=1";
  if (scheme == "sqlite") return "sqlite:" + scratch + "/race.db";
  const char* port = std::getenv("REDIS_PORT");
  if (scheme.rfind("redis", 0) == 0 && port) {
    const std::string mode = scheme.size() > 6 ? scheme.substr(6) : "none";
    return "redis://127.0.0.1:" + std::string(port) + "?mode=" + mode;
  }
  return "";
}

bool configure(const std::string& engine, ExploreConfig& cfg) {
  cfg.engine_label = engine;
  if (engine == "shared-array") {
    cfg.manager = Manager::shared_array;
    return true;
  }
  auto kind = model::parse_engine(engine);
  if (kind) cfg.engine = *kind;
  return kind.has_value();
}

class RaceVerdict : public ::testing::TestWithParam<Case> {};

TEST_P(RaceVerdict, ExplorerConcludesWhatTheCatalogueSays) {
  const Case& c = GetParam();
  const fs::path scratch = fs::temp_directory_path() / ("ss-race-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const std::string uri = uri_for(c.verdict.handler, scratch.string());
  if (uri.empty()) GTEST_SKIP() << "handler " << c.verdict.handler << " is not available here";
  auto parsed = scenarios::load_scenario(c.file);
  const auto& sc = std::get<scenarios::Scenario>(parsed);
  ExploreConfig cfg;
  ASSERT_TRUE(configure(c.verdict.engine, cfg)) << c.verdict.engine;
  cfg.handler_uri = uri;
  cfg.factory = properties::isolated_backends(uri);
  auto made = Explorer::make(sc, cfg);
  if (!made) GTEST_SKIP() << "cannot build " << uri << ": " << made.error().message;
  auto& ex = made.value();
  auto strategy = std::move(make_strategy("portfolio", 1).value());
  std::set<std::string> findings;
  const Violation* failure = nullptr;
  std::optional<ScheduleRun> failing;
  constexpr std::size_t schedules = 1500;
  for (std::size_t i = 0; i < schedules && !failing; ++i) {
    ScheduleRun run = ex->run_one(*strategy, i);
    for (const auto& v : run.violations) {
      if (!v.failure) findings.insert(v.property);
    }
    if (run.first_failure()) failing = std::move(run);
  }
  if (failing) failure = failing->first_failure();
  const std::string where = c.file + ":" + std::to_string(c.verdict.line);
  if (c.verdict.outcome == "fail") {
    ASSERT_NE(failure, nullptr) << where << ": expected a violation of " << c.verdict.property;
    EXPECT_EQ(failure->property, c.verdict.property) << where << ": " << failure->detail;
  } else {
    EXPECT_EQ(failure, nullptr) << where << ": " << failure->property << ": " << failure->detail;
  }
  if (c.verdict.outcome == "finding") {
    EXPECT_TRUE(findings.count(c.verdict.property)) << where << ": no " << c.verdict.property;
  }
  if (c.verdict.outcome == "pass") {
    EXPECT_FALSE(findings.count("lost-update") || findings.count("no-resurrection")) << where;
  }
  fs::remove_all(scratch);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = fs::path(info.param.file).stem().string() + "_" + info.param.verdict.engine +
                     "_" + info.param.verdict.handler;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, RaceVerdict, ::testing::ValuesIn(catalogue()), case_name);

}  // namespace
}  // namespace ss::sched
