#pragma once
// Which handler call a fault strikes, spelt once: `METHOD[#N]`, for a scenario's `fault` line
// (scenarios/parser.cpp) and for the fault decorator's plan (`fault:METHOD[#N],...+BASE`,
// handlers/testing/faulty.hpp). Standard library only.

#include <optional>
#include <string>
#include <string_view>

#include "model/calls.hpp"

namespace ss::model {

/// The `occurrence`th call of `method` in a request.
struct FaultTarget {
  Method method = Method::read;
  int occurrence = 1;
};

/// The largest N of `METHOD#N` (a bound on the calls counted).
inline constexpr int fault_occurrence_max = 10'000;

/// `METHOD[#N]`: PHP's method name and an occurrence 1..fault_occurrence_max (default 1).
/// nullopt with a one-line `error` naming the bad part.
[[nodiscard]] std::optional<FaultTarget> parse_fault_target(std::string_view text,
                                                            std::string& error);

}  // namespace ss::model
