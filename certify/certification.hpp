#pragma once
// One certification run from start to end: a plan is checked and its targets made before
// anything runs (every input error is one line), then every target is certified, then the
// outputs are written. The scratch directory the targets store in lives as long as this.

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "certify/certificate.hpp"
#include "certify/plan.hpp"
#include "certify/runner.hpp"
#include "certify/scratch.hpp"
#include "certify/target.hpp"

namespace ss::certify {

/// Handler sets a plan can ask for besides its URIs.
struct HandlerSets {
  /// Every built-in handler this machine can run, in every mode (all_handlers()).
  bool all = false;
  /// PHP's own modules (php_module_handlers()).
  bool php_modules = false;
};

class Certification {
 public:
  /// Completes the plan (the shipped scenarios when it names no folder, handler sets), checks
  /// it, finds the report generator (base::data_path) and makes every target; a one-line input
  /// error otherwise.
  static std::variant<std::unique_ptr<Certification>, std::string> prepare(Plan plan,
                                                                           HandlerSets sets);

  [[nodiscard]] const Plan& plan() const { return plan_; }
  /// Certifies every target in plan order.
  [[nodiscard]] Certificate run(const Progress& progress);
  /// Writes the JUnit XML and the report the plan asks for; an error line when one fails.
  [[nodiscard]] std::optional<std::string> write_outputs(const Certificate& c);

 private:
  explicit Certification(Plan plan);
  std::optional<std::string> find_data();
  std::optional<std::string> add_handlers(HandlerSets sets);
  std::optional<std::string> make_targets();
  std::optional<std::string> open_outputs();

  Plan plan_;
  ScratchDir scratch_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::ofstream junit_;
  std::string traces_file_;
  std::ofstream traces_;
  /// reports/sessionspec_report.py in the data directory (with a report directory).
  std::string report_script_;
};

}  // namespace ss::certify
