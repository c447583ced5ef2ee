// sessionspec: a conformance test framework for PHP session save handlers.

#include <string>
#include <vector>

#include "base/child_process.hpp"
#include "base/version.hpp"
#include "cli/dispatch.hpp"
#include "cli/verbs.hpp"
#include "handlers/testing/faulty.hpp"
#include "handlers/testing/mutants.hpp"

int main(int argc, char** argv) {
  // Children (exec handlers, PHP) run in process groups of their own, out of reach of the
  // terminal's Ctrl-C: a termination signal kills their groups before sessionspec dies of it.
  ss::base::install_child_cleanup_on_signals();
  // `--handler mutant:NAME+BASE` works in every verb, and the mutants verb needs it.
  ss::handlers::register_mutants();
  // `--handler fault:PLAN+BASE` too, and explore --faults puts `fault:none+` in front.
  ss::handlers::register_faults();
  CLI::App app{"sessionspec: simulate and check PHP session save-handler life-cycles"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every verb");
  app.set_version_flag("--version", std::string("sessionspec ") + std::string(ss::base::version()) +
                                        " (commit " + std::string(ss::base::commit()) + ")");

  // Verbs in the order --help lists them.
  const std::vector<ss::cli::Verb> verbs = {
      ss::cli::register_run(app),    ss::cli::register_check(app),   ss::cli::register_explore(app),
      ss::cli::register_oracle(app), ss::cli::register_mutants(app), ss::cli::register_certify(app),
      ss::cli::register_replay(app), ss::cli::register_merge(app),
  };
  return ss::cli::dispatch(app, verbs, argc, argv);
}
