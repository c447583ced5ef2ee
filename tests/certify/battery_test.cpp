// The mutant battery's certify rows (certify/battery.hpp): each bug class the generators were
// built for is killed by the check meant for it, not by luck elsewhere, at the default seed; a
// row the unmodified base fails is set aside; a scenario folder without races/ has no race rows.

#include "certify/battery.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "certify/mutants.hpp"
#include "handlers/testing/mutants.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

/// Property cases per profile in these runs: enough for the sized values on memory (the
/// shipped battery's 300 are for `sessionspec mutants`), few enough to keep the test short.
constexpr int battery_test_cases = 30;

/// Runs the battery over `base` against `names` (control first); what killed each, by name.
std::map<std::string, BatteryResult> kills_over(const std::string& base,
                                                const std::vector<std::string>& names) {
  handlers::register_mutants();
  MutantsPlan plan;
  plan.handler = base;
  plan.scenario_dir = ss::test::source_dir() + "/scenarios";
  plan.only = names;
  plan.cases = battery_test_cases;
  auto prepared = MutantRun::prepare(plan);
  if (auto* e = std::get_if<std::string>(&prepared)) {
    ADD_FAILURE() << *e;
    return {};
  }
  auto& run = std::get<MutantRun>(prepared);
  EXPECT_TRUE(run.calibrate().empty()) << base << " sets scenarios or rows aside";
  const BatteryResult control = run.control({});
  EXPECT_FALSE(control.rejected) << control.by << ": " << control.detail;
  std::map<std::string, BatteryResult> out;
  for (const MutantRow& row : run.run({})) {
    EXPECT_TRUE(row.applicable) << row.info.name;
    out[row.info.name] = row.result;
  }
  return out;
}

TEST(BatteryRows, NewBugClassesDieByTheirOwnChecksOverMemory) {
  auto kills = kills_over("memory", {"create-sid-low-entropy", "touch-true-when-missing",
                                     "read-prefix-match", "destroy-prefix-match"});
  ASSERT_EQ(kills.size(), 4u);
  const BatteryResult& sid = kills["create-sid-low-entropy"];
  EXPECT_EQ(sid.by, "row L2.create-sid") << sid.detail;
  EXPECT_NE(sid.detail.find("bits of entropy per id where the ini asks for 130.0"),
            std::string::npos)
      << sid.detail;
  EXPECT_NE(sid.replay.find("--only L2.create-sid"), std::string::npos) << sid.replay;
  const BatteryResult& touch = kills["touch-true-when-missing"];
  EXPECT_EQ(touch.by, "row L3.race.race-touch-after-destroy") << touch.detail;
  EXPECT_EQ(touch.detail.rfind("touch-kept: ", 0), 0u) << touch.detail;
  EXPECT_NE(touch.replay.find("--replay "), std::string::npos) << touch.replay;
  for (const char* name : {"read-prefix-match", "destroy-prefix-match"}) {
    EXPECT_EQ(kills[name].by, "scenario php-id-prefix-match") << name << ": " << kills[name].detail;
  }
}

/// A scratch folder removed at the end of the test.
struct ScratchDir {
  explicit ScratchDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

// Over files, with the one race that can show it (a files store's 14 races cost seconds each
// on a loaded disk): the battery's rows are the ones `sessionspec mutants` runs.
TEST(BatteryRows, GcOfALockedSessionDiesByTheGcRaceOverFiles) {
  handlers::register_mutants();
  const ScratchDir scenarios("battery-gc-scenarios");
  const ScratchDir store("battery-gc-store");
  for (const char* folder : {"gist", "lesson", "php", "races"}) {
    std::filesystem::create_directories(scenarios.path / folder);
  }
  std::filesystem::copy_file(ss::test::source_dir() + "/scenarios/races/gc-mid-request.scn",
                             scenarios.path / "races" / "gc-mid-request.scn");
  auto loaded =
      Battery::load(BatteryOptions{scenarios.path.string(), 1, battery_test_cases, false});
  ASSERT_TRUE(std::holds_alternative<Battery>(loaded));
  Battery& battery = std::get<Battery>(loaded);
  const std::string base = "files:" + store.path.string();
  EXPECT_EQ(battery.calibrate(base), std::vector<std::string>{});
  EXPECT_EQ(battery.certify_rows(),
            (std::vector<std::string>{"L2.create-sid", "L3.race.race-gc-mid-request"}));
  const BatteryResult gc = battery.run("mutant:gc-deletes-locked+" + base, {});
  EXPECT_EQ(gc.by, "row L3.race.race-gc-mid-request") << gc.detail;
  EXPECT_EQ(gc.detail.rfind("lost-update: ", 0), 0u) << gc.detail;
  EXPECT_NE(gc.replay.find("--replay "), std::string::npos) << gc.replay;
}

TEST(BatteryRows, ARowTheBaseFailsIsSetAside) {
  handlers::register_mutants();
  auto loaded = Battery::load(BatteryOptions{ss::test::source_dir() + "/scenarios", 1, 1, false});
  ASSERT_TRUE(std::holds_alternative<Battery>(loaded));
  Battery& battery = std::get<Battery>(loaded);
  const auto& rows = battery.certify_rows();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows.front(), "L2.create-sid");
  EXPECT_TRUE(std::find(rows.begin(), rows.end(), "L3.race.race-gc-mid-request") != rows.end());
  const std::vector<std::string> dropped =
      battery.calibrate("mutant:create-sid-low-entropy+memory");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped.front().rfind("row L2.create-sid: about ", 0), 0u) << dropped.front();
  EXPECT_TRUE(std::find(battery.certify_rows().begin(), battery.certify_rows().end(),
                        "L2.create-sid") == battery.certify_rows().end());
}

TEST(BatteryRows, NoRacesFolderNoRaceRows) {
  const ScratchDir dir("battery-no-races");
  for (const char* folder : {"gist", "lesson", "php"}) {
    std::filesystem::create_directories(dir.path / folder);
  }
  auto loaded = Battery::load(BatteryOptions{dir.path.string(), 1, 1, false});
  ASSERT_TRUE(std::holds_alternative<Battery>(loaded));
  EXPECT_EQ(std::get<Battery>(loaded).certify_rows(), std::vector<std::string>{"L2.create-sid"});
}

}  // namespace
}  // namespace ss::certify
