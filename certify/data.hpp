#pragma once
// Where sessionspec's data is: the shipped scenarios, the report generator and the PHP harness.
// Every lookup of the certify library (and of the certify and mutants verbs) goes through this
// one function, so that an installed sessionspec can find its data from the binary's location
// instead of the source tree.

#include <string>

namespace ss::certify {

struct DataPaths {
  /// The shipped scenarios: a folder with gist/, lesson/, php/ and races/.
  std::string scenario_dir;
  /// reports/sessionspec_report.py, the HTML report generator.
  std::string report_script;
  /// The folder of oracle/harness.php (real-engine mode), "" when none is found.
  std::string harness_dir;
};

[[nodiscard]] DataPaths data_paths();

}  // namespace ss::certify
