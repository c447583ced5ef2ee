// `sessionspec run` and `sessionspec check`.

#include <memory>

#include "cli/commands.hpp"
#include "cli/verbs.hpp"

namespace ss::cli {

namespace {

void add_common(CLI::App& cmd, CommonOptions& o) {
  cmd.add_option("scenario", o.scenarios, "Scenario files (.scn)")->required();
  cmd.add_option("--engine", o.engine,
                 "Engine profile: php-8.2, php-legacy or zealphp (or mutant:NAME+ENGINE, a "
                 "deliberately wrong engine that proves the judge sees it)")
      ->default_val("php-8.2");
  cmd.add_option("--handler", o.handler,
                 "Handler URI: memory, files:DIR, table:NAME, redis://HOST:PORT, sqlite:PATH, "
                 "mutant:NAME+BASE")
      ->default_val("memory");
  cmd.add_option("--ini", o.ini, "Run option KEY=VALUE (repeatable), e.g. lazy_write=0");
  cmd.add_option("--variant", o.variant, "Handler capability variant: full, basic, sessionhandler");
  cmd.add_option("--seed", o.seed, "Seed for ids and gc draws")
      ->check(integer_in(0, seed_max))
      ->default_val(1);
  cmd.add_option("--trace", o.trace_file, "Also write the JSON-lines trace to FILE");
}

}  // namespace

Verb register_run(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* run =
      app.add_subcommand("run", "Run scenarios and print the two-column trace (script | handler)");
  add_common(*run, *opts);
  run->add_option("--format", opts->format, "Output: text (two-column) or json (trace lines)")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  return {run, [opts] { return run_command(*opts); }};
}

Verb register_check(CLI::App& app) {
  auto opts = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand(
      "check", "Run scenarios against a handler and compare everything with the reference model");
  add_common(*check, *opts);
  check
      ->add_option("--format", opts->format,
                   "Output on stdout: text (a line per scenario) or json (one object; the text "
                   "goes to stderr)")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  check->add_flag("--fail-fast", opts->fail_fast, "Stop at the first failing scenario");
  return {check, [opts] { return check_command(*opts); }};
}

}  // namespace ss::cli
