#pragma once
// Parses the command line and runs the chosen verb, mapping every way out to an exit code:
// parse errors are 2, and an exception that escapes a verb (a bug, exhaustion) is 3 with one
// line on stderr, never an abort with a core dump.

#include <vector>

#include "cli/verbs.hpp"

namespace ss::cli {

/// Runs the verb of `verbs` that `argv` chooses on `app`; returns the process exit code.
[[nodiscard]] int dispatch(CLI::App& app, const std::vector<Verb>& verbs, int argc,
                           const char* const* argv);

}  // namespace ss::cli
