// The race catalogue: every scenario in scenarios/races/ states, per engine and handler, what the
// explorer must conclude (`verdict` lines); this test explores each combination and asserts it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>

#include "handlers/registry.hpp"
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

/// The handler URI for a verdict's handler (`files`, `table`, `redis-optimistic`, ...): the
/// registry's candidate of that scheme, in the mode after the dash; "" when it cannot run here.
std::string uri_for(const std::string& handler, const std::string& scratch) {
  const std::size_t dash = handler.find('-');
  const std::string scheme = handler.substr(0, dash);
  for (const auto& uri : handlers::candidate_handlers(scratch)) {
    auto spec = handlers::parse_handler_spec(uri);
    if (!spec || spec.value().scheme() != scheme) continue;
    if (dash == std::string::npos) return uri;
    return spec.value().with_param("mode", handler.substr(dash + 1)).text;
  }
  return "";
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
  ASSERT_TRUE(select_engine(c.verdict.engine, cfg)) << c.verdict.engine;
  cfg.handler_uri = uri;
  cfg.factory = handlers::isolated_factory(uri);
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
