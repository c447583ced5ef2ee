// The php-legacy profile reproduces the gist's recorded call lists exactly (transcribed from
// shared/seeds/php-sessionhandler-lifecycle-gist.txt, reviewed by hand).

#include <gtest/gtest.h>

#include <cstdlib>

#include "handlers/memory_handler.hpp"
#include "scenarios/runner.hpp"

namespace ss::scenarios {
namespace {

/// Collects "script call -> handler calls" lines.
class CallCollector final : public Listener {
 public:
  void on_event(const Event& e) override {
    if (e.kind() == EventKind::script) {
      lines.push_back(std::string(model::op_name(e.script().call->op)) + ":");
    }
    if (e.kind() == EventKind::handler && !lines.empty()) {
      lines.back() += " " + model::show(e.handler().call);
    }
  }
  std::vector<std::string> lines;
};

std::vector<std::string> run_legacy(const std::string& name) {
  const char* env = std::getenv("SESSIONSPEC_SOURCE_DIR");
  const std::string dir =
      std::string(env ? env : SESSIONSPEC_SOURCE_DIR_DEFAULT) + "/scenarios/gist/";
  auto parsed = load_scenario(dir + name);
  EXPECT_TRUE(std::holds_alternative<Scenario>(parsed));
  const Scenario& sc = std::get<Scenario>(parsed);
  handlers::ManualClock clock(0);
  handlers::MemoryBackend backend(1, clock);
  RunConfig cfg;
  cfg.engine = model::EngineKind::legacy;
  CallCollector calls;
  const auto ran = run_scenario(sc, cfg, backend, clock, {&calls});
  EXPECT_TRUE(ran.ok()) << (ran.ok() ? "" : ran.error().message);
  return calls.lines;
}

using Lines = std::vector<std::string>;
const std::string open = "open('/tmp/sessionspec', 'PHPSESSID')";

TEST(GistLegacy, OpenWriteClose) {
  Lines got = run_legacy("1-open-write-close.scn");
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].find("session_start: " + open + " create_sid() read('"), 0u) << got[0];
  EXPECT_NE(got[0].find(" read('"), std::string::npos);
  EXPECT_EQ(got[2].find("session_write_close: write('"), 0u);
  EXPECT_NE(got[2].find("', 'foo|s:3:\"bar\";') close()"), std::string::npos);
}

TEST(GistLegacy, ResumeWritesEvenWhenUnchanged) {
  EXPECT_EQ(run_legacy("2-resume-read-close.scn"),
            (Lines{"session_start: " + open + " read('f57cvufkbu6qgfiqkksuagl257')", "get:",
                   "session_write_close: write('f57cvufkbu6qgfiqkksuagl257', 'foo|s:3:\"bar\";') "
                   "close()"}));
}

TEST(GistLegacy, RegenerateOnlyCreatesAnIdAndWritesUnderIt) {
  Lines got = run_legacy("3-regenerate.scn");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "session_start: " + open + " read('f57cvufkbu6qgfiqkksuagl257')");
  EXPECT_EQ(got[1], "session_regenerate_id: create_sid()");
  EXPECT_EQ(got[3].find("session_write_close: write('"), 0u);
  EXPECT_EQ(got[3].find("f57cvufkbu6qgfiqkksuagl257"), std::string::npos);  // the new id
}

TEST(GistLegacy, ResetOpensAndReadsAgain) {
  EXPECT_EQ(run_legacy("4-reset.scn"),
            (Lines{"session_start: " + open + " read('ui4odihluc5nkc1oh4gftlgtd7')",
                   "set:", "session_reset: " + open + " read('ui4odihluc5nkc1oh4gftlgtd7')",
                   "session_write_close: write('ui4odihluc5nkc1oh4gftlgtd7', 'foo|s:3:\"bar\";') "
                   "close()"}));
}

TEST(GistLegacy, CustomId) {
  const std::string id = "b9361e543a36b9318334f618c3645ae270f773b6";
  EXPECT_EQ(run_legacy("5-custom-id.scn"),
            (Lines{"session_id:", "session_start: " + open + " read('" + id + "')",
                   "session_write_close: write('" + id + "', 'a:0:{}') close()"}));
}

TEST(GistLegacy, Destroy) {
  EXPECT_EQ(run_legacy("6-destroy.scn"),
            (Lines{"session_start: " + open + " read('dp1srap0fn9isne4na6mm83mt4')",
                   "session_destroy: destroy('dp1srap0fn9isne4na6mm83mt4') close()"}));
}

TEST(GistLegacy, SessionIdAfterStartChangesTheWrittenId) {
  Lines got = run_legacy("7-session-id-after-start.scn");
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[3], "session_write_close: write('mycustomid', 'foo|s:3:\"baz\";') close()");
}

}  // namespace
}  // namespace ss::scenarios
