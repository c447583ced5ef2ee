#pragma once
// The certification target of an in-process backend (certify/target.hpp).

#include <string>

#include "certify/target.hpp"

namespace ss::certify {

class InProcessTarget final : public Target {
 public:
  /// `factory` makes each scenario's, case's and schedule's backend; by default a fresh
  /// isolated store of `uri` (handlers::isolated_factory).
  explicit InProcessTarget(std::string uri, sched::BackendFactory factory = {});

  const std::string& uri() const override { return uri_; }
  std::string kind() const override { return "in-process"; }
  DeclaredGuarantees guarantees() override;
  std::string where() const override { return ""; }
  std::string agreement() const override { return "agree with the reference models"; }
  ScenarioOutcome run_scenario(const scenarios::Scenario& sc, std::uint64_t seed,
                               scenarios::Listener* trace) override;
  std::string scenario_replay(const std::string& file, std::uint64_t seed) const override;
  std::vector<ContractSuite> contract_suites() const override;
  ContractResult run_contract(const ContractSuite& suite, const Plan& plan) override;
  std::size_t race_schedules(const Budgets& budgets) const override;
  std::unique_ptr<RaceSession> race(const scenarios::Scenario& sc, const Plan& plan,
                                    std::string& error) override;
  std::unique_ptr<RaceSession> fault_race(const scenarios::Scenario& sc, const Plan& plan,
                                          const sched::FaultOptions& faults, std::string& error,
                                          std::string& skipped) override;
  std::optional<Diagnosis> probe() override;
  std::optional<Diagnosis> check_health() override;

 private:
  /// The L2.create-sid row (certify/sid_check.hpp).
  ContractResult run_create_sid(const Plan& plan);

  std::string uri_;
  /// A factory was given (a test's): L4 wraps it in the fault decorator instead of making the
  /// registry's `fault:none+URI`.
  bool own_factory_ = false;
  /// Makes the stores; `factory_` is the same with every answer reported to `health_`.
  sched::BackendFactory plain_factory_;
  std::shared_ptr<Health> health_;
  sched::BackendFactory factory_;
};

}  // namespace ss::certify
