// The fault catalogue (scenarios/faults/): every scenario names the faults it is explored with
// (its `faults` line) and states, per engine and handler, what the explorer must conclude
// (`verdict` lines). This test explores each combination with those faults and asserts it; a
// failure must also shrink to a schedule whose replay fails the same way.

#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>

#include "handlers/registry.hpp"
#include "handlers/testing/faulty.hpp"
#include "handlers/testing/mutants.hpp"
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

void PrintTo(const Case& c, std::ostream* os) {
  *os << fs::path(c.file).filename().string() << ":" << c.verdict.line << " " << c.verdict.outcome
      << (c.verdict.property.empty() ? "" : " " + c.verdict.property);
}

std::vector<Case> catalogue() {
  std::vector<Case> out;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(source_dir() + "/scenarios/faults")) {
    if (e.path().extension() == ".scn") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto parsed = scenarios::load_scenario(f);
    if (!std::holds_alternative<scenarios::Scenario>(parsed)) {
      ADD_FAILURE() << std::get<scenarios::ParseError>(parsed).str();
      continue;
    }
    for (const auto& v : std::get<scenarios::Scenario>(parsed).verdicts) out.push_back({f, v});
  }
  return out;
}

/// The URI for a verdict's handler: DECORATORS+NAME, NAME a registry candidate's scheme with an
/// optional `-mode`; the fault decorator goes right in front of the base. "" when NAME cannot
/// run here.
std::string uri_for(const std::string& handler, const std::string& scratch) {
  const std::size_t plus = handler.rfind('+');
  const std::string decorators = plus == std::string::npos ? "" : handler.substr(0, plus + 1);
  const std::string name = handler.substr(plus == std::string::npos ? 0 : plus + 1);
  const std::size_t dash = name.find('-');
  const std::string scheme = name.substr(0, dash);
  // The mode's parameter: SQLite calls it `lock`.
  const std::string key = scheme == "sqlite" ? "lock" : "mode";
  for (const auto& uri : handlers::candidate_handlers(scratch)) {
    auto spec = handlers::parse_handler_spec(uri);
    if (!spec || spec.value().scheme() != scheme) continue;
    const std::string base =
        dash == std::string::npos ? uri : spec.value().with_param(key, name.substr(dash + 1)).text;
    return decorators + "fault:none+" + base;
  }
  return "";
}

class FaultVerdict : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    handlers::register_mutants();
    handlers::register_faults();
  }
};

TEST_P(FaultVerdict, ExplorerConcludesWhatTheCatalogueSays) {
  const Case& c = GetParam();
  const std::string where = c.file + ":" + std::to_string(c.verdict.line);
  const fs::path scratch = fs::temp_directory_path() / ("ss-fault-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  const std::string uri = uri_for(c.verdict.handler, scratch.string());
  if (uri.empty()) GTEST_SKIP() << "handler " << c.verdict.handler << " is not available here";
  auto parsed = scenarios::load_scenario(c.file);
  const auto& sc = std::get<scenarios::Scenario>(parsed);
  ASSERT_FALSE(sc.faults.empty()) << where << ": the catalogue's scenarios have a faults line";
  ExploreConfig cfg;
  ASSERT_TRUE(select_engine(c.verdict.engine, cfg)) << c.verdict.engine;
  cfg.handler_uri = uri;
  cfg.factory = handlers::isolated_factory(uri);
  auto faults = parse_fault_options(sc.faults);
  ASSERT_TRUE(faults) << where << ": " << faults.error().message;
  cfg.faults = faults.value();
  auto made = Explorer::make(sc, cfg);
  // A backend this build or machine lacks is skipped; a scenario the explorer refuses fails.
  if (!made && made.error().message.rfind("--handler", 0) == 0) {
    GTEST_SKIP() << "cannot build " << uri << ": " << made.error().message;
  }
  ASSERT_TRUE(made) << where << ": " << made.error().message;
  auto& ex = made.value();
  auto strategy = std::move(make_strategy("portfolio", 1).value());
  std::set<std::string> findings;
  std::optional<ScheduleRun> failing;
  constexpr std::size_t schedules = 200;
  for (std::size_t i = 0; i < schedules && !failing; ++i) {
    ScheduleRun run = ex->run_one(*strategy, i);
    for (const auto& v : run.violations) {
      if (!v.failure) findings.insert(v.property);
    }
    if (run.first_failure()) failing = std::move(run);
  }
  const Violation* failure = failing ? failing->first_failure() : nullptr;
  if (c.verdict.outcome == "fail") {
    ASSERT_NE(failure, nullptr) << where << ": expected a violation of " << c.verdict.property;
    EXPECT_EQ(failure->property, c.verdict.property) << where << ": " << failure->detail;
    // The shrunk schedule's printed form replays to the same failure.
    const Schedule minimal = ex->shrink(*failing);
    auto back = parse_schedule(minimal.str());
    ASSERT_TRUE(back.has_value()) << minimal.str();
    ScheduleRun again = ex->replay(*back);
    ASSERT_NE(again.first_failure(), nullptr) << where << ": replay of " << minimal.str();
    EXPECT_EQ(again.first_failure()->property, c.verdict.property) << minimal.str();
  } else {
    EXPECT_EQ(failure, nullptr) << where << ": " << failure->property << ": " << failure->detail
                                << " (schedule " << failing->sched.schedule.str() << ")";
  }
  if (c.verdict.outcome == "finding") {
    EXPECT_TRUE(findings.count(c.verdict.property)) << where << ": no " << c.verdict.property;
  }
  fs::remove_all(scratch);
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = fs::path(info.param.file).stem().string() + "_" + info.param.verdict.engine +
                     "_" + info.param.verdict.handler + "_" +
                     std::to_string(info.param.verdict.line);
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, FaultVerdict, ::testing::ValuesIn(catalogue()), case_name);

}  // namespace
}  // namespace ss::sched
