#pragma once
// The report directory of a certification: certificate.json, and report.html made by
// reports/sessionspec_report.py from it and traces.jsonl.

#include <optional>
#include <string>

#include "certify/certificate.hpp"

namespace ss::certify {

/// Writes `dir`/certificate.json and runs the report generator `script` on it and `traces` (and
/// on `dir`/mutants.json when there is one); an error line when either fails.
[[nodiscard]] std::optional<std::string> write_report(const std::string& dir, const Certificate& c,
                                                      const std::string& traces,
                                                      const std::string& script);

}  // namespace ss::certify
