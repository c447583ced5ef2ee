#pragma once
// Races with REAL concurrent PHP processes (docs/certify.md, "L3 through real processes"). The
// explorer (sched/) interleaves in-process handlers; a real PHP session module lives in other
// processes, so it is interleaved from outside: each request of a `concurrent` block is one
// `php harness.php` in step mode (oracle/src/Pauser.php), stopped at the explorer's scheduling
// points (start, yield, before every handler call), and a coordinator lets one process move at a
// time, as a sched::Strategy picks. A process that does not reach its next point within
// `block_ms` is waiting inside the module (a lock): it is blocked, and another one runs. When
// every unfinished process has been blocked for `deadlock_ms`, the run ends as a deadlock
// (a progress violation), never a hang.
//
// Runs are judged by the explorer's race properties (scenarios/judge.hpp): progress, isolation,
// strict mode, and lost update / no resurrection against the outcomes of the serial orders (run
// through the same module) and the module's declared guarantee.
//
// With faults (L4, set_faults()): at each scheduling point a request's process reaches, a fault
// planner (sched/faults.hpp) may crash it: the process is SIGKILLed there, between two handler
// calls, with whatever locks it holds orphaned, and the run goes on. The fault is part of the
// schedule (`0x3.1x2/0.3:crash`), replayed by it, and the run is also judged by the fault
// properties (scenarios/fault_checks.hpp): nothing acknowledged lost, the orphaned lock given
// back within the module's declared recovery bound, no wait forever.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "oracle/php_module.hpp"
#include "oracle/php_oracle.hpp"
#include "scenarios/analysis.hpp"
#include "scenarios/events.hpp"
#include "scenarios/scenario.hpp"
#include "sched/explorer.hpp"
#include "sched/faults.hpp"
#include "sched/race_checks.hpp"
#include "sched/scheduler.hpp"

namespace ss::oracle {

/// Time bounds of the coordinator (all in milliseconds unless named otherwise).
struct RaceLimits {
  /// A granted process that has not reached its next point by then is blocked in the module.
  int block_ms = 150;
  /// After a step that called the handler, blocked processes get this long to wake (a lock was
  /// maybe released), so that who is ready next does not depend on timing.
  int settle_ms = 100;
  /// Every unfinished process blocked this long: the run is a deadlock.
  int deadlock_ms = 3000;
  /// PHP start-up, until a process reaches its `start` point.
  int start_ms = 20'000;
  /// Steps (grants) per run; a run that needs more is a progress violation.
  std::size_t steps_max = 10'000;
};

class RaceRunner {
 public:
  /// `setup`: PHP, the harness directory and a work directory (created); its worker and module
  /// fields are not used. Fails when the scenario has no concurrent block or bad options.
  static base::Result<std::unique_ptr<RaceRunner>> make(const scenarios::Scenario& sc,
                                                        PhpModuleUri module,
                                                        const OracleSetup& setup, RaceLimits limits,
                                                        std::uint64_t seed);
  ~RaceRunner();

  /// One schedule chosen by `strategy` (schedule number `index`), judged. Throws
  /// std::runtime_error when PHP could not run it (a process that does not start, a store
  /// that cannot be read).
  sched::ScheduleRun run_one(sched::Strategy& strategy, std::uint64_t index);
  /// Replays `schedule` (non-preemptive after its end) with the faults it names, judged.
  sched::ScheduleRun replay(const sched::Schedule& schedule);
  /// L4: every schedule run_one() runs draws faults from `faults` (seeded by the runner's seed),
  /// and runs are judged by the fault properties too. Only crash can strike a real PHP process;
  /// false (and nothing changes) when `faults` names no crash.
  bool set_faults(sched::FaultOptions faults);
  /// The faults explored (crash only); null without faults.
  [[nodiscard]] const sched::FaultOptions* faults() const { return faults_ ? &*faults_ : nullptr; }

  [[nodiscard]] const handlers::Guarantees& guarantees() const { return guarantees_; }
  /// How many real PHP processes ran the scenario's requests so far (serial orders included).
  [[nodiscard]] std::size_t processes() const { return processes_; }

 private:
  RaceRunner(const scenarios::Scenario& sc, PhpModuleUri module, const OracleSetup& setup,
             RaceLimits limits, std::uint64_t seed);
  /// Runs one schedule; `planner` kills processes at the points it names (null: none).
  sched::ScheduleRun execute(sched::Strategy& strategy, std::uint64_t index, bool judge,
                             sched::FaultPlanner* planner = nullptr);
  /// Judges a finished or stuck run (execute()'s second half).
  /// `judge`: false for the serial orders, which only need the final store.
  void judge_run(sched::ScheduleRun& run, bool judge);
  const scenarios::SerialOutcomes& serial_outcomes();
  /// With faults: the serial orders run with the same faults, each of `optional` (tasks that
  /// crashed or failed) run or skipped (sched::Explorer's rule).
  const scenarios::SerialOutcomes& serial_outcomes(const std::vector<sched::Fault>& faults,
                                                   const std::vector<int>& optional);
  /// A crashed holder's lease must have run out before the final store is read (real time:
  /// the module's lock lives in a real server).
  void outlast_orphans(const std::vector<sched::Fault>& struck) const;
  nlohmann::json program(const scenarios::Request& req, int number,
                         const std::optional<std::string>& cookie) const;
  /// The command of the process that runs request `number` (its program written to a file).
  std::vector<std::string> command(const scenarios::Request& req, int number,
                                   const std::optional<std::string>& cookie) const;
  void update_jar(const std::vector<nlohmann::json>& lines, int first,
                  std::optional<std::string>& jar) const;
  /// Runs one program to its end: through the worker (a module), or as a process of its own
  /// (a user class, whose requests never share a process).
  bool run_program(const nlohmann::json& program, std::vector<nlohmann::json>& events,
                   std::string& why);
  /// Adds the fields that name the store to a program (a module, or a user class).
  void name_store(nlohmann::json& program) const;
  /// Reads the sessions `ids` back through the module, as the explorer reads its store.
  sched::StoreState final_state(const std::vector<std::string>& ids,
                                std::vector<std::string>* unreadable = nullptr);
  void prepare_store(const std::string& tag);

  const scenarios::Scenario& sc_;
  PhpModuleUri module_;
  OracleSetup setup_;
  RaceLimits limits_;
  // Kept for the replay line's provenance; real PHP draws its own ids, so no RNG reads it yet.
  [[maybe_unused]] std::uint64_t seed_;
  model::RunOptions opts_;
  nlohmann::json ini_;
  handlers::Guarantees guarantees_;
  ModuleSetup store_;
  std::unique_ptr<PhpWorker> worker_;
  std::unique_ptr<scenarios::SerialOutcomes> serial_;
  std::optional<sched::FaultOptions> faults_;
  std::unique_ptr<sched::FaultPlanner> planner_;
  /// Serial outcomes with faults, per combination of faults and skipped tasks.
  std::map<std::string, scenarios::SerialOutcomes> fault_serial_;
  std::unique_ptr<sched::CanonicalCache> canonical_;
  /// Named ids, client ids, batches: computed once.
  scenarios::ScenarioAnalysis analysis_;
  /// The run header the judge gets before each run's events.
  scenarios::Event head_;
  std::size_t processes_ = 0;
};

}  // namespace ss::oracle
