#include "certify/schedules.hpp"

namespace ss::certify {

ScheduleLoop judge_each_schedule(Target& t, RaceSession& session, std::size_t schedules, Row& row,
                                 const JudgeRun& judge) {
  for (std::size_t i = 0; i < schedules; ++i) {
    std::string error;
    const std::optional<sched::ScheduleRun> r = session.run_one(i, error);
    if (auto diagnosis = t.check_health()) {
      row.verdict = Verdict::fail;
      row.evidence = "schedule " + std::to_string(i) + (r ? "" : ": " + error);
      return {true, std::move(diagnosis)};
    }
    if (!r) {
      row.verdict = Verdict::error;
      row.evidence = "schedule " + std::to_string(i) + " could not run: " + error;
      return {true, std::nullopt};
    }
    if (!judge(i, *r)) return {true, std::nullopt};
  }
  return {};
}

RaceEvidence named_evidence(RaceSession& session, const sched::ScheduleRun& run,
                            const std::string& property, const std::string& handler) {
  RaceEvidence ev = session.evidence(run, property);
  for (auto& event : ev.trace) {
    if (event.value("kind", "") == "run") event["handler"] = handler;
  }
  return ev;
}

}  // namespace ss::certify
