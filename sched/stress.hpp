#pragma once
// A real-thread stress test of a race scenario, the baseline the explorer is measured against
// (bench/explorer_bench.cpp) and the project's one multi-threaded component (ctest runs it under
// TSan, tests/stress/). Every request of the scenario's concurrent block runs on its own
// std::thread against one mutex-guarded store, and the explorer's checkers judge the run, so a
// stress run and an explored schedule are judged alike. Unlike the explorer, nothing controls
// the interleaving: what a run shows depends on the operating system's scheduler.

#include <cstdint>

#include "sched/explorer.hpp"

namespace ss::sched {

/// How hard the stress test pushes the threads into each other.
enum class Stress : std::uint8_t {
  /// Each thread runs its request as soon as it exists; only a script's `yield` (a database
  /// query) gives up the processor: a plain stress test.
  plain,
  /// The threads wait for each other at a latch, start their requests together and give up the
  /// processor at every scheduling point (noise injection, to make them overlap).
  boosted,
};

/// One stress run of `ex`'s scenario, which must be one concurrent block, on `ex`'s engine and
/// a fresh store of its handler (seeded with `ex`'s seed + `run_index`); the handler's calls
/// must never suspend (the memory handler), since the store's lock is held across each call.
/// Judged by `ex`'s checkers. Throws std::runtime_error for another scenario shape, and
/// rethrows what a request threw.
[[nodiscard]] ScheduleRun stress_run(Explorer& ex, std::uint64_t run_index, Stress how);

}  // namespace ss::sched
