// sessionspec: a conformance test framework for PHP session save handlers.

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

namespace {

void add_common(CLI::App& cmd, ss::cli::CommonOptions& o) {
  cmd.add_option("scenario", o.scenarios, "Scenario files (.scn)")->required();
  cmd.add_option("--engine", o.engine, "Engine profile: php-8.2, php-legacy or zealphp")
      ->default_val("php-8.2");
  cmd.add_option("--handler", o.handler, "Handler URI: memory or files:DIR")->default_val("memory");
  cmd.add_option("--ini", o.ini, "Run option KEY=VALUE (repeatable), e.g. lazy_write=0");
  cmd.add_option("--variant", o.variant, "Handler capability variant: full, basic, sessionhandler");
  cmd.add_option("--seed", o.seed, "Seed for ids and gc draws")->default_val(1);
  cmd.add_option("--trace", o.trace_file, "Also write the JSON-lines trace to FILE");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sessionspec: simulate and check PHP session save-handler life-cycles"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every verb");

  ss::cli::RunOptions run_opts;
  CLI::App* run = app.add_subcommand(
      "run", "Run scenarios and print the two-column trace (script | handler calls)");
  add_common(*run, run_opts);
  run->add_option("--format", run_opts.format, "Output: text (two-column) or json (trace lines)")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");

  ss::cli::CommonOptions check_opts;
  CLI::App* check = app.add_subcommand(
      "check", "Run scenarios against a handler and compare everything with the reference model");
  add_common(*check, check_opts);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "sessionspec: " << e.what() << " (see --help)\n";
    return ss::cli::exit_input;
  }
  if (run->parsed()) return ss::cli::run_command(run_opts);
  if (check->parsed()) return ss::cli::check_command(check_opts);
  return ss::cli::exit_input;
}
