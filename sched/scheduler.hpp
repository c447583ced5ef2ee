#pragma once
// A deterministic scheduler on Boost.Asio: one thread, one io_context, no timers. Requests run as
// coroutines; each scheduling point parks the request's continuation, and a Strategy picks which
// parked request resumes next. The sequence of picks (the schedule) replays a run exactly.

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "handlers/seam.hpp"
#include "model/rng.hpp"
#include "scenarios/run_end.hpp"
#include "sched/faults.hpp"

namespace ss::sched {

/// Picks the next task to run. `ready` is sorted; `current` is the task that ran last (-1 at the
/// start). Returning `current` when it is ready means "no preemption".
class Strategy {
 public:
  virtual ~Strategy() = default;
  /// A new schedule begins with `tasks` tasks.
  virtual void begin(std::uint64_t schedule_index, int tasks) = 0;
  virtual int choose(const std::vector<int>& ready, int current, std::size_t step) = 0;
  /// The schedule ended after `steps` steps (lets PCT learn the schedule length; DFS backtrack).
  virtual void end(std::size_t steps) { (void)steps; }
  /// False when the strategy has nothing left to explore (exhaustive DFS).
  [[nodiscard]] virtual bool more() const { return true; }
  [[nodiscard]] virtual std::string name() const = 0;
};

/// The default, non-preemptive choice: the current task if it is ready, else the lowest id.
[[nodiscard]] int default_choice(const std::vector<int>& ready, int current);

/// Follows a vector of choices, one per step, as RapidCheck generates them: shrinking the
/// vector (fewer entries, smaller values) then removes context switches. 0 continues without
/// preemption (default_choice); c > 0 runs task (c - 1) mod tasks when it is ready, else the
/// default. Naming the task, rather than "the next other one", makes a choice of the task that
/// runs anyway a no-op that shrinks to 0 without changing the run. Steps past the end choose 0.
class ChoiceStrategy final : public Strategy {
 public:
  explicit ChoiceStrategy(std::vector<std::uint8_t> choices) : choices_(std::move(choices)) {}
  void begin(std::uint64_t, int tasks) override { tasks_ = tasks; }
  int choose(const std::vector<int>& ready, int current, std::size_t step) override;
  [[nodiscard]] std::string name() const override { return "choices"; }

 private:
  std::vector<std::uint8_t> choices_;
  int tasks_ = 0;
};

/// Builds a strategy: random, sticky, pct[:D], dfs[:BOUND], portfolio, or replay:SCHEDULE.
/// An unknown name or a bad argument is an error saying what is wanted.
[[nodiscard]] base::Result<std::unique_ptr<Strategy>> make_strategy(const std::string& spec,
                                                                    std::uint64_t seed);

/// A schedule: the task picked at each step, and the faults that struck (sched/faults.hpp).
struct Schedule {
  std::vector<int> picks;
  /// In the order they struck.
  std::vector<Fault> faults;
  /// Run-length text, e.g. "0x3.1x2.0": task 0 three times, task 1 twice, task 0 once; then
  /// the faults after a '/', e.g. "0x3.1x2.0/1.4:crash" (nothing when there are none).
  [[nodiscard]] std::string str() const;
  /// Switches away from a task that was still ready (filled by the scheduler).
  int preemptions = 0;
};

[[nodiscard]] std::optional<Schedule> parse_schedule(std::string_view text);

/// Follows `schedule` pick by pick (a pick that is not ready, and every step past its end, takes
/// the default choice): replays of printed schedules.
[[nodiscard]] std::unique_ptr<Strategy> replay_strategy(Schedule schedule);

/// Why a run stopped, and where an unfinished task waits (shared with the judge).
using RunEnd = scenarios::RunEnd;
using TaskWait = scenarios::TaskWait;

struct RunResult {
  RunEnd end = RunEnd::finished;
  Schedule schedule;
  /// For deadlock/budget: where each unfinished task waits.
  std::vector<TaskWait> waits;
};

class Scheduler;

/// Lets the explorer inject faults at the tasks' scheduling points. Called by the scheduler
/// only; none of them may resume or destroy a coroutine itself.
class PointHook {
 public:
  virtual ~PointHook() = default;
  /// Task `task` parks at its `point`th scheduling point (lock-wait retries are not counted),
  /// named `what` (valid during the call). Scheduler::crash_later() may be called from here.
  virtual void on_point(int task, int point, std::string_view what) = 0;
  /// Task `task` was crashed: its coroutine is gone, its handler is to go the way a dead
  /// process's does.
  virtual void on_crashed(int task) = 0;
  /// Every unfinished task waits for a lock: a poll interval of virtual time passes and they
  /// retry (with timed waits on).
  virtual void on_waits_elapsed() = 0;
  /// Task `task` goes on from where it parked (the strategy picked it): what it does next
  /// happens at the clock's time now, which stalls of other tasks may have moved since it parked.
  virtual void on_resumed(int task) { (void)task; }
};

/// A task's scheduling points, handed to its handler and runner.
class TaskPoints final : public handlers::IoPoints {
 public:
  TaskPoints(Scheduler& s, int task) : sched_(s), task_(task) {}
  handlers::Task<void> point(std::string_view what) override;
  handlers::Task<bool> blocked(std::string_view what, int attempt) override;

 private:
  Scheduler& sched_;
  int task_;
};

class Scheduler {
 public:
  /// A lock wait is retried at most this many times before the handler gives up.
  static constexpr int blocked_attempts_max = 10'000;

  explicit Scheduler(boost::asio::io_context& io) : io_(io) {}
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler() { drop_parked(); }

  /// Registers a task; returns its id (0, 1, ...).
  int add_task();
  /// Marks a task finished (its coroutine returned).
  void finish(int task);
  /// Faults: `hook` sees every scheduling point (null: none). With `timed_waits`, a run in
  /// which every unfinished task waits for a lock is not a deadlock at once: a poll interval
  /// passes (PointHook::on_waits_elapsed) and they retry, until their handlers' wait budgets
  /// are spent, as real lock waits time out. Without it (the default) such a run is a
  /// deadlock, as it always was.
  void set_hook(PointHook* hook, bool timed_waits) {
    hook_ = hook;
    timed_waits_ = timed_waits;
  }
  /// Kills `task` before the next pick: its coroutine is destroyed where it is parked, it never
  /// runs again, and the hook's on_crashed() follows.
  void crash_later(int task) { crashes_.push_back(task); }
  /// Scheduling points task `task` has reached so far.
  [[nodiscard]] int points(int task) const;
  /// Parks `task` until the strategy picks it. `blocked`: it waits for another task's progress.
  handlers::Task<void> park(int task, std::string_view what, bool blocked);

  /// Runs every spawned coroutine to the end under `strategy`, until `steps_max` picks in all
  /// (counting picks of earlier calls: a run may spawn tasks in several batches). The picks and
  /// preemptions accumulate in result().
  RunEnd run(Strategy& strategy, std::size_t steps_max);
  [[nodiscard]] const RunResult& result() const { return result_; }
  /// Moves the result out (the next reset() starts a new one).
  [[nodiscard]] RunResult take_result() { return std::move(result_); }

  /// Forgets every task and the schedule so far, so that one scheduler and its io_context serve
  /// schedule after schedule. Coroutines still parked (a deadlock, a spent budget) are destroyed
  /// here, before the caller frees what they refer to.
  void reset();

 private:
  /// The completion handler of a parked coroutine. Its concrete type, rather than a type-erased
  /// any_completion_handler, saves an allocation and an indirect call per step.
  using Parked = boost::asio::async_result<boost::asio::use_awaitable_t<>, void()>::handler_type;
  struct TaskState {
    std::optional<Parked> parked;
    /// Not eligible: it waits for a lock and no other task has made progress since.
    bool blocked = false;
    /// Parked at a lock wait (still true once another task's progress made it eligible).
    bool waiting = false;
    bool finished = false;
    /// Scheduling points reached (PointHook numbering).
    int points = 0;
    /// Where the task waits; points into the parked coroutine's frame, so it is read only while
    /// the task is parked.
    std::string_view what;
  };
  struct Steps;
  void after_step();
  void drop_parked();
  void apply_crashes();
  bool elapse_waits();

  boost::asio::io_context& io_;
  std::vector<TaskState> tasks_;
  /// The ready tasks of the current step (kept to reuse its storage).
  std::vector<int> ready_;
  RunResult result_;
  int current_ = -1;
  /// The last pick resumed a lock wait (so parking at a lock wait again is a retry in vain).
  bool resumed_wait_ = false;
  int unfinished_ = 0;
  /// Tasks whose `blocked` flag is set: most steps have none to release.
  int blocked_ = 0;
  PointHook* hook_ = nullptr;
  bool timed_waits_ = false;
  std::vector<int> crashes_;
};

}  // namespace ss::sched
