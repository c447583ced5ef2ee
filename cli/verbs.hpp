#pragma once
// Each verb of `sessionspec` registers itself on the app and returns the action to run when the
// verb was chosen. One file per verb (cli/verb_*.cpp); main.cpp only lists them.

#include <CLI/CLI.hpp>
#include <functional>

namespace ss::cli {

/// A registered verb: its subcommand and what runs when it was chosen (returns the exit code).
struct Verb {
  CLI::App* command = nullptr;
  std::function<int()> action;
};

/// The verbs. Each adds its subcommand to `app`.
Verb register_run(CLI::App& app);
Verb register_check(CLI::App& app);
Verb register_explore(CLI::App& app);
Verb register_oracle(CLI::App& app);
Verb register_mutants(CLI::App& app);
Verb register_certify(CLI::App& app);
Verb register_replay(CLI::App& app);
Verb register_merge(CLI::App& app);

}  // namespace ss::cli
