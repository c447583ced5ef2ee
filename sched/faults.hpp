#pragma once
// Faults as part of a schedule. A fault strikes one request at one of its own scheduling points
// (the request's Nth point: its start, each `yield`, the point before each handler call, the
// handlers' inner points such as redis.watch; lock-wait retries do not count), so that the same
// fault means the same thing in every interleaving, in the serial runs the judge compares with,
// and in a replay. Schedules print their faults after their picks:
//
//   0x3.1x2.0/1.4:crash,0.2:stall=31
//
// is the picks 0x3.1x2.0, then: task 1 dies at its 4th point, task 0 stalls 31 s at its 2nd.
// A schedule without faults prints exactly as before (docs/trace-format.md, "Schedules").
//
// A FaultPlanner decides, at each point a task reaches, whether a fault strikes there: a random
// planner for exploration (a few faults per schedule, of the kinds asked for), a replay planner
// for a printed schedule.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "handlers/faults.hpp"

namespace ss::sched {

/// One fault: `kind` strikes task `task` (request task + 1) at its `point`th scheduling point.
struct Fault {
  int task = 0;
  /// 1-based.
  int point = 1;
  handlers::FaultKind kind = handlers::FaultKind::crash;
  /// stall: how long, in (virtual) seconds. skip (in the serial orders the judge compares
  /// with, never printed): the skipped request's stalls, which still move the clock.
  std::int64_t seconds = 0;
  /// "1.4:crash", "0.2:stall=31".
  [[nodiscard]] std::string str() const;
  friend bool operator==(const Fault&, const Fault&) = default;
};

/// A fault's text as str() prints it; nullopt when malformed.
[[nodiscard]] std::optional<Fault> parse_fault(std::string_view text);

/// Whether a fault of `kind` can strike at a point named `what`: the call-level kinds (fail,
/// reset, busy, full) only at the point before a handler call, whose name is the method's.
[[nodiscard]] bool fault_fits(handlers::FaultKind kind, std::string_view what);

/// Counts the faults of a plan, not the requests it skips (a skip only shrinks the scenario).
[[nodiscard]] int fault_count(const std::vector<Fault>& faults);

/// What the explorer draws faults from (`explore --faults`, a scenario's `faults` line).
struct FaultOptions {
  /// The kinds drawn, in a fixed order. Never skip (shrinking's own).
  std::vector<handlers::FaultKind> kinds;
  /// At most this many faults per schedule (at least one is drawn).
  int faults_max = 1;
  /// The stalls drawn from, in seconds (each just past a lock lease or a lifetime); the explorer
  /// fills them from the handler's guarantees and the scenario's options when empty.
  std::vector<std::int64_t> stalls_s;
  /// The spec as given, for replay lines.
  std::string spec;
};

/// Parses `KIND[,KIND...][;max=N]`, KIND one of crash, fail, stall[=S], reset, busy, full,
/// restart, or `all`. The error names the bad part.
[[nodiscard]] base::Result<FaultOptions> parse_fault_options(std::string_view spec);

/// Chooses the faults of one schedule, point by point.
class FaultPlanner {
 public:
  virtual ~FaultPlanner() = default;
  /// Schedule number `index` begins.
  virtual void begin(std::uint64_t index) = 0;
  /// Task `task` has reached its `point`th scheduling point, named `what`: the fault that
  /// strikes there, if any.
  virtual std::optional<Fault> at(int task, int point, std::string_view what) = 0;
  /// The schedule ended after `points` scheduling points in all (lets the random planner learn
  /// how long schedules are).
  virtual void end(int points) { (void)points; }
};

/// Random faults: 1..faults_max per schedule, at points drawn uniformly over the schedule (its
/// length learnt from earlier schedules), each of a kind drawn from those that fit the point.
[[nodiscard]] std::unique_ptr<FaultPlanner> random_planner(FaultOptions options,
                                                           std::uint64_t seed);
/// Exactly `faults`, where they say.
[[nodiscard]] std::unique_ptr<FaultPlanner> replay_planner(std::vector<Fault> faults);

}  // namespace ss::sched
