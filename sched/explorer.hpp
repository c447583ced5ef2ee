#pragma once
// The interleaving explorer: runs a scenario's concurrent requests under the deterministic
// scheduler, schedule after schedule, judges each run with the race checkers, and shrinks a
// failing schedule to few preemptions and steps.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "handlers/backend_factory.hpp"
#include "handlers/seam.hpp"
#include "model/engine.hpp"
#include "scenarios/analysis.hpp"
#include "scenarios/events.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"
#include "sched/faults.hpp"
#include "sched/scheduler.hpp"

namespace ss::sched {

/// How the session manager keeps $_SESSION across coroutines.
enum class Manager : std::uint8_t {
  /// A context per request (PHP processes, ZealPHP's RequestContext): correct.
  per_request,
  /// One process-wide array (the lesson's bug).
  shared_array,
};

/// Makes a fresh backend for one schedule (its clock, the run's seed): the registry's
/// handlers::isolated_factory, or a test's own.
using BackendFactory = handlers::BackendFactory;

struct ExploreConfig {
  model::EngineKind engine = model::EngineKind::php82;
  Manager manager = Manager::per_request;
  std::string engine_label = "php-8.2";
  std::string handler_uri = "memory";
  BackendFactory factory;
  std::uint64_t seed = 1;
  std::vector<std::pair<std::string, std::string>> ini;
  std::optional<model::Variant> variant;
  /// The step budget of one schedule: a run that needs more is a progress violation.
  std::size_t steps_max = 10'000;
  /// Faults (sched/faults.hpp): each explored schedule draws some of these kinds at its
  /// requests' scheduling points, and the fault checkers judge. Unset: no faults, and the
  /// explorer behaves (schedules, traces, hashes) exactly as without this option. The fault
  /// kinds that reach the handler need the fault decorator in front of the backend
  /// (`fault:none+URI`; Backend::fault_control()); kinds the backend cannot suffer are dropped.
  std::optional<FaultOptions> faults;
  /// Stops and starts the backend's server (FaultKind::restart): only for a server the caller
  /// owns. Empty: no restart faults.
  std::function<base::Status()> restart;
};

/// The engine name of the lesson's bug: php-8.2 with one $_SESSION per process
/// (Manager::shared_array). Traces, verdict lines and --engine spell it this way.
inline constexpr const char* shared_array_engine = "shared-array";

/// Sets cfg.engine, cfg.manager and cfg.engine_label from an engine name as the explorer takes it
/// (--engine, `verdict` lines): an engine profile (php-8.2, php-legacy, zealphp) or
/// shared_array_engine. False for an unknown name.
bool select_engine(const std::string& name, ExploreConfig& cfg);

/// A violated property (the judge's verdicts), and the normalised stored state after a run.
using Violation = scenarios::Violation;
using StoreState = scenarios::StoreState;

/// One schedule's run.
struct ScheduleRun {
  /// The picks, and the faults that struck (in the order they struck).
  RunResult sched;
  /// The full trace (run header first) of a replay(); empty for run_one(), whose events the
  /// checkers judge as they happen and drop.
  std::vector<scenarios::Event> events;
  std::vector<Violation> violations;
  /// The stored sessions after the run (when it finished).
  std::optional<StoreState> final_state;
  /// With faults: the ids whose final read failed (a session the handler does not give back).
  std::vector<std::string> unreadable;
  /// The virtual clock when the run ended (after the final read).
  std::int64_t end_s = 0;
  /// With faults: the virtual time each request went on at after each of its scheduling points
  /// (a stall there included), by (task, point); (-1, 0) is the time the requests ended. Serial
  /// orders that run every request at the times it saw here explain a run whose stalls moved
  /// the clock between other requests' calls (Explorer::finish).
  std::map<std::pair<int, int>, std::int64_t> point_times;
  [[nodiscard]] const Violation* first_failure() const;
};

class CanonicalCache;
struct TaskContext;

class Explorer {
 public:
  /// Fails when the scenario has no concurrent block, options do not resolve or the handler's
  /// backend cannot be made.
  static base::Result<std::unique_ptr<Explorer>> make(const scenarios::Scenario& sc,
                                                      ExploreConfig cfg);

  /// Runs one schedule chosen by `strategy` (schedule number `index`) and judges it with every
  /// checker. Its events are not kept: replay() the schedule for the trace.
  ScheduleRun run_one(Strategy& strategy, std::uint64_t index);
  /// Replays `schedule` (non-preemptive after its end), judged, with its full trace.
  ScheduleRun replay(const Schedule& schedule);
  /// Judges a run made outside the explorer with the same checkers (bench/: the real-thread
  /// stress test): `run.events` in order, then the sessions they touched, read through
  /// `backend`, against every serial order's outcome.
  void judge(ScheduleRun& run, handlers::Backend& backend, handlers::ManualClock& clock);
  /// Shrinks a failing schedule: fewest faults, then fewest requests (the others skipped), then
  /// fewest preemptions, then fewest steps; the same property fails all along.
  Schedule shrink(const ScheduleRun& failing, std::size_t replays_max = 2000);
  /// FNV-1a of the run's JSON trace lines (a run event first): equal hashes, byte-identical
  /// traces.
  [[nodiscard]] static std::uint64_t trace_hash(const std::vector<scenarios::Event>& events);

  [[nodiscard]] const handlers::Guarantees& guarantees() const { return guarantees_; }
  /// The faults explored after make() dropped the kinds this backend cannot suffer; null
  /// without faults.
  [[nodiscard]] const FaultOptions* faults() const { return cfg_.faults ? &*cfg_.faults : nullptr; }
  [[nodiscard]] int tasks() const { return tasks_; }
  [[nodiscard]] const scenarios::Scenario& scenario() const { return sc_; }
  [[nodiscard]] const ExploreConfig& config() const { return cfg_; }
  [[nodiscard]] const model::RunOptions& options() const { return opts_; }
  [[nodiscard]] model::Variant variant() const { return variant_; }

  ~Explorer();
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

 private:
  /// What execute() does with the run's events.
  enum class Mode : std::uint8_t {
    /// Judge them as they happen and drop them (run_one, shrinking).
    judge,
    /// Judge them and keep the full trace (replay).
    trace,
    /// Only read the final store (the serial orders the serializability check compares with).
    outcome,
  };
  Explorer(const scenarios::Scenario& sc, ExploreConfig cfg);
  /// Runs one schedule; `planner` injects faults (null: none).
  ScheduleRun execute(Strategy& strategy, std::uint64_t index, Mode mode,
                      FaultPlanner* planner = nullptr, const ScheduleRun* timed = nullptr);
  ScheduleRun replay(const Schedule& schedule, Mode mode);
  const scenarios::SerialOutcomes& serial_outcomes();
  /// With faults: the outcomes of the serial orders run with the same faults, where each of
  /// `optional` (tasks that crashed or failed visibly) either ran or was skipped.
  const scenarios::SerialOutcomes& serial_outcomes(const std::vector<Fault>& faults,
                                                   const std::vector<int>& optional);
  /// The same, each request running at the times it saw in `timed` (its point_times) instead of
  /// moving the clock by its stalls where it stalled. Not cached: the times differ per run.
  scenarios::SerialOutcomes timed_serial_outcomes(const ScheduleRun& timed,
                                                  const std::vector<int>& optional);
  /// Every serial order of the analysis with `plan`'s faults (each `skip` a skipped task),
  /// timed by `timed` when given.
  scenarios::SerialOutcomes serial_with_faults(const std::vector<Fault>& faults,
                                               const std::vector<int>& optional,
                                               const ScheduleRun* timed);
  RunEnd run_batches(Strategy& strategy, handlers::Backend& backend, handlers::ManualClock& clock,
                     scenarios::EventSink& sink, std::vector<std::unique_ptr<TaskContext>>& tasks);
  void outlast_orphans(handlers::ManualClock& clock) const;
  void finish(ScheduleRun& run, const scenarios::SerialOutcomes* serial);
  void configure_faults(handlers::Backend& probe);

  const scenarios::Scenario& sc_;
  ExploreConfig cfg_;
  model::RunOptions opts_;
  model::Variant variant_ = model::Variant::full;
  handlers::Guarantees guarantees_;
  int tasks_ = 0;
  /// Named ids, client ids, batches, what a lost update is called here: computed once.
  scenarios::ScenarioAnalysis analysis_;
  std::unique_ptr<scenarios::SerialOutcomes> serial_;
  /// With faults: serial outcomes by fault plan and skipped tasks (a bounded cache).
  std::map<std::string, scenarios::SerialOutcomes> fault_serial_;
  std::unique_ptr<FaultPlanner> planner_;
  /// The run event every schedule's trace starts with, made once.
  scenarios::Event head_;
  /// One judge for every schedule: a run event resets it, keeping its storage.
  std::unique_ptr<scenarios::Judge> judge_;
  /// With faults: the judge of the serial runs, which run after a schedule and must not
  /// disturb judge_'s verdict on it.
  std::unique_ptr<scenarios::Judge> serial_judge_;
  std::unique_ptr<CanonicalCache> canonical_;
  /// Events per schedule seen so far, to size the next trace at once.
  std::size_t events_hint_ = 0;
  /// One io_context and scheduler for every schedule: a fresh pair per schedule costs more
  /// than the schedule's own steps. Only this explorer's thread ever runs it, so its locks are
  /// off (BOOST_ASIO_CONCURRENCY_HINT_UNSAFE).
  boost::asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
  Scheduler sched_{io_};
};

}  // namespace ss::sched
