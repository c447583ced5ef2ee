#pragma once
// The step L3 and L4 rows share: run a race session's schedules one after another, each
// followed by the target's health check. A handler diagnosed unusable fails the row (with the
// diagnosis), a schedule that could not run makes it an error; every other run goes to the
// row's own judging.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "certify/certificate.hpp"
#include "certify/health.hpp"
#include "certify/target.hpp"

namespace ss::certify {

/// Judges one run of schedule `index`; returns false when the row is decided (a failure) and
/// no further schedule should run.
using JudgeRun = std::function<bool(std::size_t index, const sched::ScheduleRun& run)>;

/// How judge_each_schedule ended.
struct ScheduleLoop {
  /// The row is decided: a run the judge failed it on, a handler found unusable (`fail`) or a
  /// schedule that could not run (`error`). Otherwise every schedule ran and was judged.
  bool decided = false;
  /// Why the handler is unusable, when it is.
  std::optional<Diagnosis> diagnosis;
};

/// Runs schedules 0..schedules-1 of `session`, each followed by the target's health check and
/// judged by `judge` until it decides the row. Sets the row's verdict and evidence itself when a
/// run could not be judged: `fail` with the diagnosis when the handler is unusable, `error` when
/// the schedule could not run.
[[nodiscard]] ScheduleLoop judge_each_schedule(Target& t, RaceSession& session,
                                               std::size_t schedules, Row& row,
                                               const JudgeRun& judge);

/// The race evidence of `run` for `property`, its trace naming the certified handler (as the
/// L1 traces do) rather than the scratch store the schedule ran in.
[[nodiscard]] RaceEvidence named_evidence(RaceSession& session, const sched::ScheduleRun& run,
                                          const std::string& property, const std::string& handler);

}  // namespace ss::certify
