#include "certify/replay.hpp"

#include "base/data_dir.hpp"
#include "base/shell_quote.hpp"

namespace ss::certify {

namespace {

/// `--scenarios DIR` when `dir` is not the folder sessionspec ships (which it finds itself).
void add_scenarios(std::vector<std::string>& argv, const std::string& dir) {
  if (dir.empty()) return;
  const base::DataPath shipped = base::data_path("scenarios");
  if (shipped && shipped.path == dir) return;
  argv.insert(argv.end(), {"--scenarios", dir});
}

}  // namespace

std::string rerun_row_line(const Plan& plan, const std::string& uri, const std::string& row_id,
                           int level) {
  std::vector<std::string> argv = {
      "sessionspec", "certify", "--handler",           uri,      "--only",
      row_id,        "--level", std::to_string(level), "--seed", std::to_string(plan.seed)};
  if (level == 2) argv.insert(argv.end(), {"--cases", std::to_string(plan.budgets.cases)});
  if (level == 3) {
    argv.insert(argv.end(),
                {"--schedules", std::to_string(plan.budgets.schedules), "--process-schedules",
                 std::to_string(plan.budgets.process_schedules)});
  }
  add_scenarios(argv, plan.scenario_dir);
  return base::shell_join(argv);
}

std::string rerun_mutant_line(const MutantsPlan& plan, const std::string& mutant) {
  std::vector<std::string> argv = {"sessionspec", "mutants",
                                   "--handler",   plan.handler,
                                   "--mutant",    mutant,
                                   "--seed",      std::to_string(plan.seed),
                                   "--cases",     std::to_string(plan.cases)};
  add_scenarios(argv, plan.scenario_dir);
  if (plan.shrink) argv.emplace_back("--shrink");
  return base::shell_join(argv);
}

}  // namespace ss::certify
