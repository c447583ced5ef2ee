// Replay lines: every verb's reproduction command comes from scenarios::ReplayLine, its arguments
// quoted so that a pasted line runs the same command.

#include "scenarios/replay.hpp"

#include <gtest/gtest.h>

namespace ss::scenarios {
namespace {

TEST(ReplayLine, NamesEveryOptionThatWasGiven) {
  const ReplayLine line{
      "explore", "scenarios/races/two-tabs-counter.scn", "php-8.2", "files:/tmp/s",
      7,         {"lazy_write=0", "use_strict_mode=1"},  "basic",   "0x2.1.0",
      {}};
  EXPECT_EQ(line.str(),
            "sessionspec explore scenarios/races/two-tabs-counter.scn --engine php-8.2 --handler "
            "files:/tmp/s --seed 7 --ini lazy_write=0 --ini use_strict_mode=1 --variant basic "
            "--replay 0x2.1.0");
}

TEST(ReplayLine, LeavesOutWhatTheVerbDefaults) {
  EXPECT_EQ((ReplayLine{"oracle", "a.scn", {}, "php:files", 1, {}, {}, {}, {}}.str()),
            "sessionspec oracle a.scn --handler php:files --seed 1");
  EXPECT_EQ((ReplayLine{"oracle", "a.scn", "php-legacy", {}, 2, {}, {}, {}, {}}.str()),
            "sessionspec oracle a.scn --engine php-legacy --seed 2");
}

TEST(ReplayLine, NamesTheFaultsBeforeTheScheduleThatCarriesThem) {
  ReplayLine line{"explore", "a.scn", {}, "memory", 1, {}, {}, "0x2.1/1.3:crash", {}};
  line.faults = "crash,fail";
  EXPECT_EQ(line.str(),
            "sessionspec explore a.scn --handler memory --seed 1 --faults crash,fail --replay "
            "0x2.1/1.3:crash");
}

TEST(ReplayLine, QuotesWhatAShellWouldSplitOrExpand) {
  const ReplayLine line{"check",   "my scenarios/a.scn",
                        "php-8.2", "exec:php serve.php App\\Session\\Handler",
                        1,         {},
                        {},        {},
                        {}};
  EXPECT_EQ(line.str(),
            "sessionspec check 'my scenarios/a.scn' --engine php-8.2 --handler "
            "'exec:php serve.php App\\Session\\Handler' --seed 1");
  EXPECT_EQ(
      (ReplayLine{"oracle", "a.scn", {}, "php:redis://h:1?locking=1", 1, {}, {}, "1.0", {}}.str()),
      "sessionspec oracle a.scn --handler 'php:redis://h:1?locking=1' --seed 1 --replay 1.0");
}

}  // namespace
}  // namespace ss::scenarios
