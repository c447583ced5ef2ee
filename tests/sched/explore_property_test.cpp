// RapidCheck drives the explorer: one generated case is a batch of concurrent requests (which
// session each uses, what each script does) together with a vector of schedule choices
// (ChoiceStrategy: 0 = no preemption), so that shrinking minimises the requests and the context
// switches at once.
//  - Per-request session contexts (php-8.2) never fail a checker under any batch and schedule,
//    and replaying the schedule a run took gives the same trace byte for byte.
//  - The process-wide shared array fails isolation, and the shrunk counterexample is the
//    lesson's bug: two requests, one preemption.

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <optional>
#include <string>
#include <vector>

#include "handlers/registry.hpp"
#include "sched/explorer.hpp"

namespace ss::sched {
namespace {

/// One request of a generated batch (of 2 or 3: one request alone has nothing to interleave):
/// which stored session its cookie names, and the script calls between its session_start and
/// session_write_close.
struct GenRequest {
  int session = 0;
  std::vector<std::string> calls;
};

struct Batch {
  std::vector<GenRequest> requests;
  std::vector<std::uint8_t> choices;
};

rc::Gen<GenRequest> gen_request() {
  return rc::gen::build<GenRequest>(
      rc::gen::set(&GenRequest::session, rc::gen::inRange(0, 2)),
      rc::gen::set(&GenRequest::calls,
                   rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
                       "yield", "get cart", "set cart \"mine\"", "incr visits"))));
}

rc::Gen<Batch> gen_batch() {
  return rc::gen::build<Batch>(
      rc::gen::set(&Batch::requests,
                   rc::gen::mapcat(rc::gen::inRange<std::size_t>(2, 4),
                                   [](std::size_t n) {
                                     return rc::gen::container<std::vector<GenRequest>>(
                                         n, gen_request());
                                   })),
      rc::gen::set(&Batch::choices, rc::gen::container<std::vector<std::uint8_t>>(
                                        rc::gen::inRange<std::uint8_t>(0, 4))));
}

/// The batch as a scenario: two users' stored sessions, one concurrent block.
std::string scenario_text(const Batch& b) {
  std::string text =
      "store user0session \"user_id|i:0;cart|s:6:\\\"cart-0\\\";\"\n"
      "store user1session \"user_id|i:1;cart|s:6:\\\"cart-1\\\";\"\nconcurrent\n";
  for (std::size_t i = 0; i < b.requests.size(); ++i) {
    const GenRequest& r = b.requests[i];
    text += "request name=r" + std::to_string(i) + " cookie=user" + std::to_string(r.session) +
            "session\n  session_start\n";
    for (const auto& c : r.calls) text += "  " + c + "\n";
    text += "  session_write_close\n";
  }
  return text;
}

int switches(const std::vector<std::uint8_t>& choices) {
  int n = 0;
  for (auto c : choices) n += c != 0 ? 1 : 0;
  return n;
}

/// Runs `b` under `engine` on the memory handler with the batch's choices.
ScheduleRun run_batch(const Batch& b, const std::string& engine, std::unique_ptr<Explorer>& ex,
                      const scenarios::Scenario& sc) {
  ExploreConfig cfg;
  RC_ASSERT(select_engine(engine, cfg));
  cfg.factory = handlers::isolated_factory("memory");
  auto made = Explorer::make(sc, cfg);
  RC_ASSERT(made.ok());
  ex = std::move(made.value());
  ChoiceStrategy choices(b.choices);
  return ex->run_one(choices, 0);
}

/// Counts the shrinks RapidCheck accepted (and keeps its end-of-run reproduce note quiet: this
/// test expects the failure).
class ShrinkCounter final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override {
    shrinks += accepted ? 1 : 0;
  }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
  int shrinks = 0;
};

scenarios::Scenario parse_generated(const std::string& text) {
  auto parsed = scenarios::parse_scenario(text, "generated.scn");
  RC_ASSERT(std::holds_alternative<scenarios::Scenario>(parsed));
  return std::get<scenarios::Scenario>(std::move(parsed));
}

TEST(ExploreProperty, PerRequestContextsHoldUnderEveryBatchAndScheduleAndReplayExactly) {
  const bool ok = rc::check([] {
    const Batch b = *gen_batch();
    const scenarios::Scenario sc = parse_generated(scenario_text(b));
    std::unique_ptr<Explorer> ex;
    const ScheduleRun run = run_batch(b, "php-8.2", ex, sc);
    const Violation* v = run.first_failure();
    RC_ASSERT(v == nullptr);
    const ScheduleRun first = ex->replay(run.sched.schedule);
    const ScheduleRun second = ex->replay(run.sched.schedule);
    RC_ASSERT(first.sched.schedule.picks == run.sched.schedule.picks);
    RC_ASSERT(first.violations.size() == run.violations.size());
    RC_ASSERT(Explorer::trace_hash(first.events) == Explorer::trace_hash(second.events));
  });
  EXPECT_TRUE(ok);
}

TEST(ExploreProperty, SharedArrayShrinksToTwoRequestsAndOnePreemption) {
  struct Case {
    std::size_t requests = 0;
    int switches = 0;
    int preemptions = 0;
  };
  // RapidCheck accepts every failing shrink and stops when none fails: the last failing case
  // it ran is the counterexample it reports.
  std::optional<Case> last_failing;
  auto property = [&last_failing] {
    const Batch b = *gen_batch();
    const scenarios::Scenario sc = parse_generated(scenario_text(b));
    std::unique_ptr<Explorer> ex;
    const ScheduleRun run = run_batch(b, "shared-array", ex, sc);
    const Violation* v = run.first_failure();
    if (v != nullptr && v->property == "isolation") {
      last_failing = Case{b.requests.size(), switches(b.choices), run.sched.schedule.preemptions};
    }
    RC_ASSERT(v == nullptr);
  };
  rc::detail::TestMetadata metadata;
  metadata.id = "explore/shared-array";
  rc::detail::TestParams params;
  params.seed = 5;
  params.maxSuccess = 500;
  ShrinkCounter listener;
  const auto result = rc::detail::checkTestable(property, metadata, params, listener);
  ASSERT_TRUE(result.is<rc::detail::FailureResult>()) << "the shared array was never caught";
  EXPECT_GE(listener.shrinks, 1);
  ASSERT_TRUE(last_failing.has_value());
  EXPECT_EQ(last_failing->requests, 2U);
  EXPECT_EQ(last_failing->preemptions, 1);
  // At most one more non-zero choice: which request starts first, when the one that yields is
  // not the first (shrinking never moves a call from one request to another).
  EXPECT_GE(last_failing->switches, 1);
  EXPECT_LE(last_failing->switches, 2);
}

}  // namespace
}  // namespace ss::sched
