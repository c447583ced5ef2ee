#pragma once
// Level 4: faults as data. Each scenario of the fault catalogue (scenarios/faults/) is explored
// against the target with the faults its `faults` line names (as `explore --faults` would),
// with the plan's seed and schedule budget, and judged by the handler's declared fault
// behaviour (handlers::FaultBehaviour): a violation it allows is a finding, any other fails
// the row with the shrunk schedule's replay line (docs/certify.md, "L4").

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "certify/certificate.hpp"
#include "certify/health.hpp"
#include "certify/plan.hpp"
#include "certify/target.hpp"
#include "scenarios/scenario.hpp"

namespace ss::certify {

/// The fault catalogue's folder (level 4).
inline constexpr std::string_view faults_folder = "faults";
/// The prefix of L4 row ids; the rest is the fault scenario's name without its `fault-`.
inline constexpr std::string_view fault_row_prefix = "L4.fault.";

/// The row id of fault scenario `name`: `L4.fault.ci4-8567-read-failure-wipes`.
[[nodiscard]] std::string fault_row_id(const std::string& name);

/// One L4 row to run: what it is, and what judges it (sets verdict, evidence and replay;
/// returns a diagnosis when it found the handler unusable).
struct FaultRowJob {
  Row row;
  std::function<std::optional<Diagnosis>(Row&)> judge;
};

/// The L4 rows of `target` for the catalogue `faults`, those the plan's filters select (the
/// rest mark level 4 filtered in the target's record, the last of `c.handlers`). `progress`
/// may be empty; the scenarios must outlive the jobs.
[[nodiscard]] std::vector<FaultRowJob> level4_jobs(
    const Plan& plan, Target& target, const std::function<void(const std::string&)>& progress,
    const std::vector<scenarios::Scenario>& faults, Certificate& c);

}  // namespace ss::certify
