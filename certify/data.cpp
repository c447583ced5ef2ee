#include "certify/data.hpp"

#include <filesystem>

#include "properties/battery.hpp"

namespace ss::certify {

DataPaths data_paths() {
  // Today the data is the source tree this binary was built from.
  const std::filesystem::path scenarios = properties::default_scenario_dir();
  return {scenarios.string(),
          (scenarios.parent_path() / "reports" / "sessionspec_report.py").string()};
}

}  // namespace ss::certify
