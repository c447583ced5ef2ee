// Shrinking a failing schedule (greedy delta debugging). With faults: first single faults
// dropped, then whole requests skipped (a `skip` fault at their first point), while the same
// property still fails. Then the shortest prefix that still fails when the rest runs without
// preemption, then single picks dropped while the same property still fails with no more
// preemptions. A replay of the result reproduces the failure.

#include <algorithm>

#include "sched/explorer.hpp"

namespace ss::sched {

namespace {

bool same_failure(const ScheduleRun& run, const std::string& property) {
  const Violation* v = run.first_failure();
  return v != nullptr && v->property == property;
}

/// Fewest faults, then fewest requests: each fault dropped, then each request that is not
/// skipped yet skipped, while `attempt` says the failure stays.
template <class Attempt>
void shrink_faults(Schedule& best, Attempt& attempt, int tasks) {
  for (std::size_t i = best.faults.size(); i-- > 0;) {
    if (best.faults[i].kind == handlers::FaultKind::skip) continue;
    Schedule candidate = best;
    candidate.faults.erase(candidate.faults.begin() + static_cast<long>(i));
    if (auto kept = attempt(candidate)) best = *kept;
  }
  for (int task = tasks; task-- > 0;) {
    const bool faulted = std::any_of(best.faults.begin(), best.faults.end(),
                                     [&](const Fault& f) { return f.task == task; });
    if (faulted) continue;
    Schedule candidate = best;
    candidate.faults.insert(candidate.faults.begin(), Fault{task, 1, handlers::FaultKind::skip, 0});
    if (auto kept = attempt(candidate)) best = *kept;
  }
}

}  // namespace

Schedule Explorer::shrink(const ScheduleRun& failing, std::size_t replays_max) {
  const Violation* first = failing.first_failure();
  if (first == nullptr) return failing.sched.schedule;
  const std::string property = first->property;
  Schedule best = failing.sched.schedule;
  std::size_t replays = 0;
  auto attempt = [&](const Schedule& candidate) -> std::optional<Schedule> {
    if (replays++ >= replays_max) return std::nullopt;
    // Only the verdict matters here: no trace.
    ScheduleRun run = replay(candidate, Mode::judge);
    if (!same_failure(run, property)) return std::nullopt;
    if (run.sched.schedule.preemptions > best.preemptions) return std::nullopt;
    Schedule kept = candidate;
    kept.preemptions = run.sched.schedule.preemptions;
    // The faults that struck (a fault whose point the run never reached is gone).
    kept.faults = run.sched.schedule.faults;
    return kept;
  };
  if (cfg_.faults) shrink_faults(best, attempt, tasks_);
  // The shortest failing prefix: everything after it is the non-preemptive default.
  for (std::size_t k = 0; k < best.picks.size(); ++k) {
    Schedule prefix;
    prefix.faults = best.faults;
    prefix.picks.assign(best.picks.begin(), best.picks.begin() + static_cast<long>(k));
    if (auto kept = attempt(prefix)) {
      best = *kept;
      break;
    }
  }
  // Drop single picks, last first, while the failure stays.
  for (bool changed = true; changed && replays < replays_max;) {
    changed = false;
    for (std::size_t i = best.picks.size(); i-- > 0;) {
      Schedule candidate = best;
      candidate.picks.erase(candidate.picks.begin() + static_cast<long>(i));
      if (auto kept = attempt(candidate)) {
        best = *kept;
        changed = true;
      }
    }
  }
  return best;
}

}  // namespace ss::sched
