#pragma once
// The create_sid row (`L2.create-sid`): ids a handler makes must never repeat, also across PHP
// processes (a per-process counter, mt_rand seeded alike in every worker), and must carry about
// as much entropy as the ini asks of PHP's own ids (session.sid_length *
// session.sid_bits_per_character bits). Judged here for in-process handlers and user classes alike;
// the ids come from the target.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "certify/target.hpp"
#include "handlers/seam.hpp"

namespace ss::certify {

/// The row of targets whose handler has create_sid.
[[nodiscard]] ContractSuite create_sid_suite();

/// Ids create_sid is asked for: in all, and per process (a new handler object, for in-process
/// handlers; a PHP process, for classes).
inline constexpr std::size_t sid_calls = 1000;
inline constexpr std::size_t sid_calls_per_process = 250;

/// The entropy of `ids` in bits, estimated per character position (Shannon's entropy of the
/// characters seen at each position, summed; a shorter id counts as one more symbol). It sees
/// short ids, small alphabets and fixed or counting parts, not correlations between positions (a
/// hash of a counter looks random): an upper bound. With 1,000 ids of a 32-character alphabet it
/// is low by about 0.02 bits per position.
[[nodiscard]] double estimated_entropy_bits(const std::vector<std::string>& ids);

/// Judges the ids one create_sid made, `per_process` from each process in turn, against the
/// ini's `sid_length` and `bits_per_character`: a row result (evidence, no replay).
[[nodiscard]] ContractResult judge_sids(const std::vector<std::string>& ids,
                                        std::size_t per_process, std::int64_t sid_length,
                                        std::int64_t bits_per_character);

/// `count` ids from the backend `factory` makes, `per_process` from each fresh backend (in its
/// own request: open, create_sid..., close); an error message when a call fails.
[[nodiscard]] std::optional<std::string> backend_sids(const sched::BackendFactory& factory,
                                                      std::uint64_t seed, std::size_t count,
                                                      std::size_t per_process,
                                                      std::vector<std::string>& ids);

}  // namespace ss::certify
