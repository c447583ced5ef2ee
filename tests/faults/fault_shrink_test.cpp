// Shrinking with faults: the CodeIgniter4 #8567 pattern (a read that fails comes back as '')
// shrinks to one fault and at most two requests, and that schedule replays to the same failure;
// without faults asked for, the explorer's schedules carry none.

#include <gtest/gtest.h>

#include "handlers/registry.hpp"
#include "handlers/testing/faulty.hpp"
#include "handlers/testing/mutants.hpp"
#include "sched/explorer.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::sched {
namespace {

scenarios::Scenario load(const std::string& relative) {
  auto parsed = scenarios::load_scenario(ss::test::source_dir() + "/" + relative);
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) throw std::runtime_error(e->str());
  return std::get<scenarios::Scenario>(std::move(parsed));
}

std::unique_ptr<Explorer> explorer(const scenarios::Scenario& sc, const std::string& uri,
                                   const std::string& faults) {
  handlers::register_mutants();
  handlers::register_faults();
  ExploreConfig cfg;
  select_engine("php-8.2", cfg);
  cfg.handler_uri = uri;
  cfg.factory = handlers::isolated_factory(uri);
  if (!faults.empty()) cfg.faults = parse_fault_options(faults).value();
  auto ex = Explorer::make(sc, cfg);
  if (!ex) throw std::runtime_error(ex.error().message);
  return std::move(ex.value());
}

std::optional<ScheduleRun> first_failing(Explorer& ex, std::size_t schedules) {
  auto strategy = std::move(make_strategy("portfolio", 1).value());
  for (std::size_t i = 0; i < schedules; ++i) {
    ScheduleRun run = ex.run_one(*strategy, i);
    if (run.first_failure()) return run;
  }
  return std::nullopt;
}

TEST(FaultShrink, Ci4_8567ShrinksToOneFaultAndAtMostTwoRequests) {
  const auto sc = load("scenarios/faults/ci4-8567-read-failure-wipes.scn");
  // Every fault kind is drawn, up to three per schedule: shrinking must drop the others.
  auto ex =
      explorer(sc, "mutant:read-empty-on-failure+fault:none+memory", "crash,fail,stall,max=3");
  auto failing = first_failing(*ex, 500);
  ASSERT_TRUE(failing.has_value());
  ASSERT_EQ(failing->first_failure()->property, "no-wipe");
  const Schedule minimal = ex->shrink(*failing);
  EXPECT_EQ(fault_count(minimal.faults), 1) << minimal.str();
  int skipped = 0;
  for (const auto& f : minimal.faults) skipped += f.kind == handlers::FaultKind::skip ? 1 : 0;
  EXPECT_LE(ex->tasks() - skipped, 2) << minimal.str();
  auto back = parse_schedule(minimal.str());
  ASSERT_TRUE(back.has_value());
  ScheduleRun again = ex->replay(*back);
  ASSERT_NE(again.first_failure(), nullptr) << minimal.str();
  EXPECT_EQ(again.first_failure()->property, "no-wipe");
}

TEST(FaultShrink, TheCorrectHandlerPassesTheSameFaults) {
  const auto sc = load("scenarios/faults/ci4-8567-read-failure-wipes.scn");
  auto ex = explorer(sc, "fault:none+memory", "crash,fail,stall,max=3");
  auto failing = first_failing(*ex, 300);
  EXPECT_FALSE(failing.has_value())
      << failing->first_failure()->property << ": " << failing->first_failure()->detail;
}

TEST(FaultShrink, WithoutFaultsNoScheduleCarriesAny) {
  const auto sc = load("scenarios/faults/ci4-8567-read-failure-wipes.scn");
  auto ex = explorer(sc, "memory", "");
  auto strategy = std::move(make_strategy("portfolio", 1).value());
  for (std::size_t i = 0; i < 50; ++i) {
    ScheduleRun run = ex->run_one(*strategy, i);
    EXPECT_TRUE(run.sched.schedule.faults.empty());
    EXPECT_EQ(run.sched.schedule.str().find('/'), std::string::npos);
  }
}

}  // namespace
}  // namespace ss::sched
