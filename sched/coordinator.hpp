#pragma once
// The one pick loop. Whatever runs the tasks — coroutines parked on the scheduler's io_context
// (sched::Scheduler) or real PHP processes stopped at their scheduling points
// (oracle::RaceRunner) — a Strategy picks which ready task moves next, one step at a time, and
// the picks are the schedule that replays the run.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <string>
#include <vector>

#include "base/assert.hpp"
#include "sched/scheduler.hpp"

namespace ss::sched {

/// The tasks a coordinator steps.
template <class T>
concept SteppedTasks = requires(T& tasks, const T& seen, std::vector<int>& ready, int task,
                                std::vector<TaskWait>& waits) {
  /// Lets the task granted last run up to its next scheduling point (or its end).
  tasks.advance();
  /// Fills `ready` (sorted) with the tasks that may be picked, waiting a bounded time for
  /// blocked ones if it must; false when every task has finished.
  { tasks.collect_ready(ready) } -> std::same_as<bool>;
  /// Lets `task` take its next step.
  tasks.grant(task);
  /// Where each unfinished task waits (a run that stopped early).
  seen.record_waits(waits);
};

/// Steps `tasks` as `strategy` picks until every task finished, or none is ready (deadlock),
/// or `result` holds `steps_max` picks (the budget; picks of earlier calls count, so a run may
/// step its tasks in several batches). `current` is the task picked last (-1 at the start);
/// `ready` is scratch storage kept by the caller. The picks, preemptions, the end and the waits
/// of a stuck run accumulate in `result`.
template <SteppedTasks T>
RunEnd coordinate(T& tasks, Strategy& strategy, std::size_t steps_max, int& current,
                  RunResult& result, std::vector<int>& ready) {
  for (std::size_t step = result.schedule.picks.size();; ++step) {
    tasks.advance();
    if (!tasks.collect_ready(ready)) return RunEnd::finished;
    if (ready.empty() || step >= steps_max) {
      result.end = ready.empty() ? RunEnd::deadlock : RunEnd::budget;
      tasks.record_waits(result.waits);
      return result.end;
    }
    const int pick = strategy.choose(ready, current, step);
    const bool pick_ready = std::find(ready.begin(), ready.end(), pick) != ready.end();
    SS_ASSERT(pick_ready, "strategy " + strategy.name() + " picked task " + std::to_string(pick) +
                              ", which is not ready");
    const bool current_ready = std::find(ready.begin(), ready.end(), current) != ready.end();
    if (current_ready && pick != current) ++result.schedule.preemptions;
    result.schedule.picks.push_back(pick);
    current = pick;
    tasks.grant(pick);
  }
}

}  // namespace ss::sched
