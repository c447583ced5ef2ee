#include "certify/plan.hpp"

#include <algorithm>
#include <filesystem>

namespace ss::certify {

namespace {

template <class T>
std::optional<std::string> out_of(const char* option, T value, T min, T max) {
  if (value >= min && value <= max) return std::nullopt;
  return std::string(option) + ": " + std::to_string(value) + " is not in " + std::to_string(min) +
         ".." + std::to_string(max);
}

}  // namespace

std::optional<std::string> check_ranges(const Plan& plan) {
  const Budgets& b = plan.budgets;
  if (auto e = out_of("--level", plan.level, 1, level_max)) return e;
  if (auto e = out_of("--cases", b.cases, 1, cases_max)) return e;
  if (auto e = out_of("--schedules", b.schedules, std::size_t{1}, schedules_max)) return e;
  if (auto e = out_of("--process-schedules", b.process_schedules, std::size_t{1},
                      process_schedules_max)) {
    return e;
  }
  return out_of("--block-ms", b.block_ms, block_ms_min, block_ms_max);
}

bool selected(const Plan& plan, std::string_view row_id) {
  if (plan.only.empty()) return true;
  return std::any_of(plan.only.begin(), plan.only.end(),
                     [&](const std::string& prefix) { return row_id.rfind(prefix, 0) == 0; });
}

std::vector<std::string> level1_row_folders(const std::string& scenario_dir) {
  std::vector<std::string> out(std::begin(level1_folders), std::end(level1_folders));
  std::vector<std::string> families;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(scenario_dir + "/php", ec)) {
    if (e.is_directory(ec)) families.push_back("php/" + e.path().filename().string());
  }
  std::sort(families.begin(), families.end());
  out.insert(out.end(), families.begin(), families.end());
  return out;
}

std::string level1_row_id(const std::string& folder) {
  std::string id = "L1." + folder;
  std::replace(id.begin(), id.end(), '/', '.');
  return id;
}

}  // namespace ss::certify
