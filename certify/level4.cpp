#include "certify/level4.hpp"

#include <set>

#include "certify/schedules.hpp"
#include "sched/faults.hpp"

namespace ss::certify {

namespace {

/// What a passing or finding row says it ran against.
std::string declared(const sched::FaultOptions& faults, const handlers::FaultBehaviour& behaviour,
                     std::size_t schedules) {
  return std::to_string(schedules) + " schedules with faults " + faults.spec +
         "; handler declares " + behaviour.str();
}

/// Judges `schedules` runs of one fault scenario: the first run with a failure fails the row
/// with the shrunk schedule's replay line; violations the declared fault behaviour (or the
/// concurrency guarantee) allows are findings. Stops when the handler is diagnosed unusable.
std::optional<Diagnosis> judge_faults(Target& t, RaceSession& session, std::size_t schedules,
                                      Row& row) {
  std::set<std::string> findings;
  std::optional<sched::ScheduleRun> finding_run;
  std::string finding_property;
  ScheduleLoop loop = judge_each_schedule(
      t, session, schedules, row, [&](std::size_t, const sched::ScheduleRun& r) {
        if (const sched::Violation* v = r.first_failure()) {
          row.verdict = Verdict::fail;
          row.evidence = v->property + ": " + v->detail;
          row.race = named_evidence(session, r, v->property, t.name());
          row.replay = row.race->replay;
          return false;
        }
        for (const auto& v : r.violations) {
          if (!findings.insert(v.property).second || finding_run) continue;
          finding_run = r;
          finding_property = v.property;
        }
        return true;
      });
  if (loop.decided) return std::move(loop.diagnosis);
  row.verdict = findings.empty() ? Verdict::pass : Verdict::finding;
  if (finding_run) {
    row.race = named_evidence(session, *finding_run, finding_property, t.name());
  }
  for (const auto& f : findings) row.evidence += "; " + f + " (allowed by the declared behaviour)";
  return std::nullopt;
}

std::optional<Diagnosis> fault_row(const Plan& plan, Target& t, const scenarios::Scenario& sc,
                                   Row& row) {
  auto faults = sched::parse_fault_options(sc.faults);
  if (!faults) {
    row.verdict = Verdict::error;
    row.evidence = sc.file + ": " + faults.error().message;
    return std::nullopt;
  }
  std::string error;
  std::string skipped;
  auto session = t.fault_race(sc, plan, faults.value(), error, skipped);
  if (!session) {
    row.verdict = skipped.empty() ? Verdict::error : Verdict::skip;
    row.evidence = skipped.empty() ? error : skipped;
    return std::nullopt;
  }
  const std::size_t schedules = t.race_schedules(plan.budgets);
  if (schedules == 0) {
    row.verdict = Verdict::error;
    row.evidence = "no evidence: 0 schedules ran";
    return std::nullopt;
  }
  auto diagnosis = judge_faults(t, *session, schedules, row);
  if (row.verdict == Verdict::pass || row.verdict == Verdict::finding) {
    row.evidence =
        declared(faults.value(), t.guarantees().guarantees.faults, schedules) + row.evidence;
  }
  return diagnosis;
}

}  // namespace

std::string fault_row_id(const std::string& name) {
  constexpr std::string_view prefix = "fault-";
  const bool strip = name.rfind(prefix, 0) == 0 && name.size() > prefix.size();
  return std::string(fault_row_prefix) + (strip ? name.substr(prefix.size()) : name);
}

std::vector<FaultRowJob> level4_jobs(const Plan& plan, Target& target,
                                     const std::function<void(const std::string&)>& progress,
                                     const std::vector<scenarios::Scenario>& faults,
                                     Certificate& c) {
  std::vector<FaultRowJob> jobs;
  for (const auto& sc : faults) {
    const std::string id = fault_row_id(sc.name);
    if (!selected(plan, id)) {
      c.handlers.back().filtered_levels.insert(4);
      continue;
    }
    Row row;
    row.handler = target.name();
    row.engine = "php-8.2";
    row.property = id;
    row.title = "declared fault behaviour under " + sc.name + " (faults " + sc.faults + ")";
    row.level = 4;
    jobs.push_back({std::move(row), [&plan, &target, progress, &sc](Row& r) {
                      if (progress) progress(target.name() + ": L4 " + sc.name);
                      return fault_row(plan, target, sc, r);
                    }});
  }
  return jobs;
}

}  // namespace ss::certify
