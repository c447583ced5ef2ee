#pragma once
// The certification target of one of PHP's own session modules inside real PHP 8.2 (php:files,
// php:redis://...; docs/certify.md, "Real PHP modules").

#include <memory>
#include <string>

#include "certify/target.hpp"
#include "oracle/php_module.hpp"
#include "oracle/php_oracle.hpp"
#include "oracle/worker_pool.hpp"

namespace ss::certify {

/// PHP_VERSION of the `php` binary (real-engine mode runs `php -n`); nullopt when it does not run.
[[nodiscard]] std::optional<std::string> php_version(const std::string& php = "php");

class PhpModuleTarget : public Target {
 public:
  /// Scratch files (programs, the files module's directories) go under `work_dir` (created).
  PhpModuleTarget(oracle::PhpModuleUri module, const std::string& work_dir);
  ~PhpModuleTarget() override;

  const std::string& uri() const override { return module_.uri; }
  std::string kind() const override { return "php-module"; }
  DeclaredGuarantees guarantees() override;
  std::string where() const override { return " in real PHP"; }
  std::string agreement() const override {
    return "in real PHP agree with the reference store and the model";
  }
  ScenarioOutcome run_scenario(const scenarios::Scenario& sc, std::uint64_t seed,
                               scenarios::Listener* trace) override;
  std::string scenario_replay(const std::string& file, std::uint64_t seed) const override;
  std::vector<ContractSuite> contract_suites() const override;
  ContractResult run_contract(const ContractSuite& suite, const Plan& plan) override;
  std::size_t race_schedules(const Budgets& budgets) const override;
  std::unique_ptr<RaceSession> race(const scenarios::Scenario& sc, const Plan& plan,
                                    std::string& error) override;
  /// L4: the crash fault, a request's PHP process SIGKILLed at one of its scheduling points
  /// (oracle/race_runner.hpp); scenarios without a crash are skipped.
  std::unique_ptr<RaceSession> fault_race(const scenarios::Scenario& sc, const Plan& plan,
                                          const sched::FaultOptions& faults, std::string& error,
                                          std::string& skipped) override;
  std::optional<Diagnosis> probe() override;
  // A hanging module is a progress failure of its scenario (3 s each); PHP that cannot run a
  // scenario ends its row at once, and the probe after it decides.
  std::optional<Diagnosis> check_health() override { return std::nullopt; }

 protected:
  /// A target whose requests each run in a PHP process of their own (a user's class): no
  /// persistent worker, no module store to empty.
  struct OwnProcesses {};
  PhpModuleTarget(oracle::PhpModuleUri module, const std::string& work_dir, OwnProcesses);

 private:
  /// The module store of one L2 lane (a directory or key prefix of its own).
  [[nodiscard]] oracle::ModuleSetup lane_store(const oracle::PoolLane& lane) const;
  /// L2 without the pool, for targets without a persistent worker.
  ContractResult run_contract_own_processes(const Plan& plan);
  /// An L3 (`faults` null) or L4 session of real concurrent PHP processes.
  std::unique_ptr<RaceSession> process_session(const scenarios::Scenario& sc, const Plan& plan,
                                               const sched::FaultOptions* faults,
                                               std::string& error);

 protected:
  oracle::PhpModuleUri module_;
  oracle::OracleSetup setup_;
  std::unique_ptr<oracle::PhpWorker> worker_;
  /// L2's workers (made on first use): each lane judges generated cases in a store of its own.
  std::unique_ptr<oracle::WorkerPool> pool_;
  /// The module store every sequential scenario empties before it runs.
  oracle::ModuleSetup store_;
};

}  // namespace ss::certify
