#pragma once
// The outputs of a certification besides the table: JUnit XML, and the report directory
// (certificate.json, traces.jsonl, report.html by reports/sessionspec_report.py).

#include <optional>
#include <string>

#include "certify/certificate.hpp"

namespace ss::certify {

/// Writes the JUnit XML to `file`; an error line when it cannot.
[[nodiscard]] std::optional<std::string> write_junit_file(const std::string& file,
                                                          const Certificate& c);

/// Writes `dir`/certificate.json and runs the report generator on it and `traces` (and on
/// `dir`/mutants.json when there is one); an error line when either fails.
[[nodiscard]] std::optional<std::string> write_report(const std::string& dir, const Certificate& c,
                                                      const std::string& traces);

}  // namespace ss::certify
