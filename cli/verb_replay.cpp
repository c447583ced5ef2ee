// `sessionspec replay TOKEN`: reruns the shrunk counterexample of a failed storage-contract
// property (certify's L2 rows, the mutant battery), as its replay line prints it. The token
// names the handler and the engine profile (properties/replay_token.hpp). Exit 1 when the case
// fails again (its explanation, counterexample and calls are printed), 0 when it passes now,
// 2 for a token that does not decode.

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/verbs.hpp"
#include "properties/replay_token.hpp"

namespace ss::cli {

namespace {

int replay_command(const std::string& token) {
  std::string reproduce;
  std::string error;
  auto spec = properties::spec_from_token(token, reproduce, error);
  if (!spec) return input_error("replay: " + error);
  properties::RunParams params;
  params.reproduce = reproduce;
  // The replayed case's steps and handler calls, for a human to read beside the failure.
  spec->trace = &std::cout;
  const properties::PropertyResult r = properties::run_property(*spec, params);
  std::cout << "\n";
  if (r.error) {
    std::cerr << "sessionspec: replay: " << r.description << "\n";
    return exit_internal;
  }
  if (r.passed) {
    std::cout << "property " << properties::property_id(*spec)
              << ": the replayed case passes now\n";
    return exit_ok;
  }
  std::cout << properties::format_failure(*spec, params, r);
  return exit_conformance;
}

}  // namespace

Verb register_replay(CLI::App& app) {
  auto token = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Rerun a storage-contract counterexample (an L2 or mutant replay line)");
  cmd->add_option("token", *token, "The token a failure printed (reproduce=...)")->required();
  return {cmd, [token] { return replay_command(*token); }};
}

}  // namespace ss::cli
