#pragma once
// The one judge of every run: `check`, certification, the property harness, real-engine mode
// (real PHP's trace) and the explorer all feed their event stream to a Judge, and each property
// is a listener on that stream (a multicast of properties):
//
//  - conformance: every handler answer against the reference store (model::StoreModel, with the
//    backend's declared guarantees), and every request replayed by a shadow engine of the run's
//    profile, answered with the judged answers: it must ask for exactly the calls that were
//    made, and what the script saw must agree (script result, session_status(), session_id(),
//    $_SESSION, and the response's Set-Cookie lines when they were observed). Handler events
//    must follow their script event (sequential runs); handler events of request 0 (calls made
//    outside any request: probes, audits) are judged by the store alone;
//  - expectations: the scenario's `expect` lines;
//  - the race properties of concurrent runs (the explorer, real PHP processes): isolation,
//    Set-Cookie rules, strict mode, touch kept (a touch that answered true is what the next
//    read of the id answers), and at the end of the run progress and lost update / no
//    resurrection against the outcomes of the serial orders.
//
// Properties observe; they never steer the run. The judge keeps the first conformance failure,
// every expectation failure and every race violation.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/store_model.hpp"
#include "scenarios/analysis.hpp"
#include "scenarios/events.hpp"
#include "scenarios/fault_checks.hpp"
#include "scenarios/run_end.hpp"

namespace ss::scenarios {

/// A disagreement at one step: where, what, expected and actual.
struct Failure {
  std::string scenario;
  int request = 0;
  int step = 0;
  int line = 0;
  std::string what;
  std::string expected;
  std::string actual;
  [[nodiscard]] std::string str() const;
};

/// A violated run-level property. `failure` false marks a finding: allowed by the handler's
/// declared guarantee (e.g. a lost update on a last-writer-wins store), reported but not failing.
struct Violation {
  std::string property;
  bool failure = true;
  std::string detail;
};

/// What the judge is told when a concurrent run is over, beyond its events.
struct RunEnding {
  RunEnd end = RunEnd::finished;
  /// For deadlock/budget: where each unfinished request waits.
  std::vector<TaskWait> waits;
  /// The stored sessions after the run (when it finished).
  const std::optional<StoreState>* final_state = nullptr;
  /// The outcomes of the serial orders; null: serializability is not judged.
  const SerialOutcomes* serial = nullptr;
  handlers::Concurrency concurrency = handlers::Concurrency::last_writer_wins;
  /// With the fault properties: the ids whose final read failed, the clock then, and the
  /// normalisation of session data that the final state has.
  const std::vector<std::string>* unreadable = nullptr;
  std::int64_t now_s = 0;
  std::function<std::string(const std::string&)> canonical;
};

/// Which properties a judge checks.
struct JudgeOptions {
  bool conformance = true;
  bool expectations = true;
  /// The race properties; they need the scenario's analysis (named and client ids), which
  /// must outlive the judge. Null: off.
  const ScenarioAnalysis* races = nullptr;
  /// The fault properties (scenarios/fault_checks.hpp); they need `races`.
  bool faults = false;
};

class Judge final : public Listener {
 public:
  explicit Judge(JudgeOptions options = {});
  ~Judge() override;
  Judge(const Judge&) = delete;
  Judge& operator=(const Judge&) = delete;

  /// Every property sees every event in order; a run event starts a new run.
  void on_event(const Event& e) override;
  void on_finish() override;
  /// Judges the last step now, instead of at the next event: for a runner that knows that the
  /// step's handler calls are over (the property harness judges step by step).
  void settle();
  /// Ends a concurrent run: progress and serializability (RunEnding), then the race
  /// properties' violations in order (progress, isolation, Set-Cookie, strict mode, lost
  /// update) are appended to `out`.
  void finish_run(const RunEnding& ending, std::vector<Violation>& out);

  /// The first conformance failure, else the first expectation failure.
  [[nodiscard]] std::optional<Failure> first_failure() const;
  [[nodiscard]] const std::optional<Failure>& conformance_failure() const;
  [[nodiscard]] const std::vector<Failure>& expectation_failures() const;
  /// Sorted, without repeats: the named ids and every id a handler call of the run used (the
  /// sessions a concurrent run's final state reads back). Only with the race properties.
  [[nodiscard]] std::vector<std::string> touched_ids() const;
  /// The reference store as the judged calls left it (conformance only).
  [[nodiscard]] const model::StoreModel& store() const;
  /// With the fault properties: the tasks that crashed or saw a handler call fail, which a
  /// serial order explaining the run may leave out (FaultChecks::optional_tasks).
  [[nodiscard]] std::vector<int> optional_tasks() const;

 private:
  class Conformance;
  class Expectations;
  class Isolation;
  class SetCookieRules;
  class StrictMode;
  class TouchKept;
  class RunLanes;
  std::unique_ptr<Conformance> conformance_;
  std::unique_ptr<Expectations> expectations_;
  std::unique_ptr<Isolation> isolation_;
  std::unique_ptr<SetCookieRules> set_cookie_;
  std::unique_ptr<StrictMode> strict_mode_;
  std::unique_ptr<TouchKept> touch_kept_;
  std::unique_ptr<RunLanes> lanes_;
  std::unique_ptr<FaultChecks> faults_;
  /// The properties that are on, in the order they see each event.
  std::vector<Listener*> properties_;
  const ScenarioAnalysis* analysis_ = nullptr;
};

}  // namespace ss::scenarios
