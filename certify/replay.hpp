#pragma once
// Replay lines for the failures that are not one scenario, case or schedule: a row that could
// not judge (the infrastructure, a handler found unusable) and a mutant the battery let
// survive. Each is a `sessionspec` command, shell-quoted so that it pastes, that runs exactly
// that row or mutant again with the same seed and budgets. The lines of single failures are
// scenarios::ReplayLine (check, explore, oracle) and properties::replay_command (L2).

#include <string>

#include "certify/mutants.hpp"
#include "certify/plan.hpp"

namespace ss::certify {

/// `sessionspec certify --handler URI --only ROW --level L --seed N` and the budgets the row's
/// level uses (and `--scenarios DIR` when the plan's folder is not the shipped one).
[[nodiscard]] std::string rerun_row_line(const Plan& plan, const std::string& uri,
                                         const std::string& row_id, int level);

/// `sessionspec mutants --handler BASE --mutant NAME --seed N --cases N` (and the plan's
/// `--scenarios` and `--shrink`): runs the battery against that one mutant again.
[[nodiscard]] std::string rerun_mutant_line(const MutantsPlan& plan, const std::string& mutant);

}  // namespace ss::certify
