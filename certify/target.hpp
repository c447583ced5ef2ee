#pragma once
// A certification target: what the level loops (certify/runner.hpp) need from a handler, so
// that L1, L2 and L3 are written once for in-process backends (memory, files, table, sqlite,
// redis, exec, mutants) and for PHP's own session modules inside real PHP (php:files,
// php:redis://...). A target answers with values; only bugs throw.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certify/certificate.hpp"
#include "certify/health.hpp"
#include "certify/plan.hpp"
#include "handlers/seam.hpp"
#include "scenarios/events.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/scenario.hpp"
#include "sched/explorer.hpp"

namespace ss::certify {

/// One scenario run against a target (L1).
struct ScenarioOutcome {
  /// The first disagreement with the reference store, the model or an `expect` line.
  std::optional<scenarios::Failure> failure;
  /// Set when the scenario could not run at all (the backend could not be made, PHP could not
  /// run it): one line, prefixed with what failed.
  std::string error;
  /// Set when the target does not apply to the scenario (why, in one line): real-engine mode
  /// skips scenarios with fault lines, which judge PHP's reaction rather than a module.
  std::string skipped;
};

/// A level-2 suite of a target: the stateful property under one engine profile, or the
/// generated scenarios in real PHP.
struct ContractSuite {
  /// The row id, e.g. `L2.contract.php-8.2` or `L2.generated`.
  std::string id;
  std::string title;
  /// The engine profile it runs under (a name of model::engine_name).
  std::string engine;
};

/// What a level-2 suite found.
struct ContractResult {
  bool passed = false;
  /// Cases that ran and passed: a passing suite with none is no evidence.
  std::size_t cases = 0;
  std::string evidence;
  std::string replay;
  /// The shrunk counterexample of a failure (properties::PropertyResult::counterexample).
  std::string counterexample;
};

/// One race scenario explored against a target (L3).
class RaceSession {
 public:
  virtual ~RaceSession() = default;
  /// Schedule `index` of the target's strategy, judged; nullopt with `error` (one line) when
  /// the schedule could not run at all.
  virtual std::optional<sched::ScheduleRun> run_one(std::uint64_t index, std::string& error) = 0;
  /// The command that replays `run` (a failing run shrunk first where the target can shrink).
  virtual std::string replay(const sched::ScheduleRun& run) = 0;
  /// What the report draws for `run`, which violated `property`: the schedule and replay line
  /// as replay() gives them, and the trace where the target can replay in-process.
  virtual RaceEvidence evidence(const sched::ScheduleRun& run, const std::string& property) {
    RaceEvidence ev;
    ev.property = property;
    ev.schedule = run.sched.schedule.str();
    ev.replay = replay(run);
    return ev;
  }
  /// The concurrency guarantee the run is judged by.
  [[nodiscard]] virtual handlers::Concurrency concurrency() const = 0;
  /// L4: the faults the session really injects, when fewer than its scenario names (real PHP
  /// processes get the crash only); empty: those the scenario names.
  [[nodiscard]] virtual std::string injected_faults() const { return {}; }
};

/// What a handler promises, and which of the promises nobody declared (sessionspec assumes the
/// weakest value for them: an exec: handler declares only what its greeting says).
struct DeclaredGuarantees {
  DeclaredGuarantees(handlers::Guarantees g, std::vector<std::string> a)
      : guarantees(g), assumed(std::move(a)) {}

  handlers::Guarantees guarantees;
  /// Names of the fields of `guarantees` that were assumed: concurrency, expiry, ttl_s,
  /// id_bytes_max, payload_bytes_max.
  std::vector<std::string> assumed;
  /// Who declared each declared field (a user's class or its URI, an exec: handler's hello); for
  /// php:class: also the class PHP built and the shape PHP's session module saw. Empty for
  /// targets whose guarantees sessionspec declares.
  std::map<std::string, std::string> declared_by;
  std::string class_name;
  std::string shape;
};

class Target {
 public:
  virtual ~Target() = default;

  /// The handler URI as given.
  [[nodiscard]] virtual const std::string& uri() const = 0;
  /// The handler's display name in rows, JUnit and traces: no scratch paths (set by whoever
  /// knows the other targets, so that names are unique in a certificate).
  [[nodiscard]] const std::string& name() const { return name_.empty() ? uri() : name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  /// "in-process", "php-module" or "php-class".
  [[nodiscard]] virtual std::string kind() const = 0;
  /// What the handler promises; the rows are judged by it.
  [[nodiscard]] virtual DeclaredGuarantees guarantees() = 0;
  /// What row titles add after what ran ("" or " in real PHP").
  [[nodiscard]] virtual std::string where() const = 0;
  /// How a passing L1 row words its evidence after "N/M scenarios".
  [[nodiscard]] virtual std::string agreement() const = 0;

  /// L1: runs one shipped scenario in a fresh store; `trace` (if any) sees its events.
  virtual ScenarioOutcome run_scenario(const scenarios::Scenario& sc, std::uint64_t seed,
                                       scenarios::Listener* trace) = 0;
  /// The command that reruns scenario `file` against this target.
  [[nodiscard]] virtual std::string scenario_replay(const std::string& file,
                                                    std::uint64_t seed) const = 0;

  /// L2: the suites, in row order.
  [[nodiscard]] virtual std::vector<ContractSuite> contract_suites() const = 0;
  virtual ContractResult run_contract(const ContractSuite& suite, const Plan& plan) = 0;

  /// L3: how many schedules each race scenario gets under `budgets`.
  [[nodiscard]] virtual std::size_t race_schedules(const Budgets& budgets) const = 0;
  /// L3: a session for race scenario `sc` (which must outlive it); nullptr with `error`.
  virtual std::unique_ptr<RaceSession> race(const scenarios::Scenario& sc, const Plan& plan,
                                            std::string& error) = 0;

  /// L4: a session for fault scenario `sc` explored with `faults` (certify/level4.hpp); nullptr
  /// with `error`, or with `skipped` (why, in one line) when the target cannot suffer any of
  /// the scenario's faults. By default no target can.
  virtual std::unique_ptr<RaceSession> fault_race(const scenarios::Scenario& sc, const Plan& plan,
                                                  const sched::FaultOptions& faults,
                                                  std::string& error, std::string& skipped) {
    (void)sc, (void)plan, (void)faults, (void)error;
    skipped = "faults are injected into in-process handlers only";
    return nullptr;
  }

  /// Talks to a fresh store of the handler once (certify/health.hpp); a diagnosis when the
  /// handler is unusable. Before anything runs, a diagnosis is an input error.
  virtual std::optional<Diagnosis> probe() = 0;
  /// A diagnosis when something that ran since the last call answered that the handler is
  /// gone (certify/health.hpp, Health); cheap.
  virtual std::optional<Diagnosis> check_health() = 0;

 private:
  std::string name_;
};

/// The target for `uri`: a user's class in real PHP for php:class: URIs, a real PHP module for
/// other php: URIs (their scratch files under `work_dir`), an in-process backend otherwise. nullptr
/// with a one-line `error` for a malformed URI.
[[nodiscard]] std::unique_ptr<Target> make_target(const std::string& uri,
                                                  const std::string& work_dir, std::string& error);

}  // namespace ss::certify
