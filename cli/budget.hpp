#pragma once
// Default budgets by where the handler runs. In-process backends answer in microseconds, so the
// verbs' defaults buy a thorough search in seconds; an out-of-process handler (an `exec:` child
// speaking the handler protocol, PHP's own modules in real PHP) pays a pipe round trip or a PHP
// process per call, and the same defaults would take many minutes without saying so. Those get
// defaults measured to finish in about a minute, and every verb prints its budget first.

#include <cstddef>
#include <string>

namespace ss::cli {

/// Whether `uri` names a handler outside this process: `exec:`, `php:`, or a mutant over one.
[[nodiscard]] bool out_of_process(const std::string& uri);

/// `explore --schedules` when none is given: 10,000 in-process; for an `exec:` handler (about
/// 30 schedules/s on two cores with serve.php) a minute's worth.
inline constexpr std::size_t explore_schedules_default = 10'000;
inline constexpr std::size_t explore_schedules_out_of_process = 1'500;

/// `certify --cases` and `--schedules` when a certified handler runs out of process and they are
/// not given (in-process: 100 and 100).
inline constexpr int certify_cases_out_of_process = 20;
inline constexpr std::size_t certify_schedules_out_of_process = 20;

}  // namespace ss::cli
