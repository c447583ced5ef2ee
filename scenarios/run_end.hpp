#pragma once
// How a concurrent run ended: the scheduler, the real-process race runner and the judge's
// progress property share these.

#include <cstdint>
#include <string>

namespace ss::scenarios {

/// Why a run stopped.
enum class RunEnd : std::uint8_t { finished, deadlock, budget };

/// Where an unfinished request (task i runs request i + 1) waits when a run stops early.
struct TaskWait {
  int task = 0;
  std::string what;
  bool blocked = false;
};

}  // namespace ss::scenarios
