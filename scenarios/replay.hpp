#pragma once
// The one builder of replay lines: the command that reproduces a run, printed with every
// failure (`check`, `explore`, `oracle`, `certify`).

#include <cstdint>
#include <string>
#include <vector>

namespace ss::scenarios {

/// `sessionspec VERB FILE [--engine E] [--handler H] --seed N [--ini K=V]... [--variant V]
/// [--faults SPEC] [--replay SCHEDULE]`, every argument shell-quoted where it must be; empty fields
/// are left out (the verb's default applies).
struct ReplayLine {
  std::string verb;
  std::string file;
  std::string engine;
  std::string handler;
  std::uint64_t seed = 1;
  std::vector<std::string> ini;
  std::string variant;
  /// A printed schedule (sched::Schedule::str()) for races.
  std::string schedule;
  /// `explore --faults SPEC`: the fault kinds the schedule was explored with ("" for none).
  std::string faults;

  [[nodiscard]] std::string str() const;
};

}  // namespace ss::scenarios
