#pragma once
// A certificate: one row per (handler, property), and its two machine-readable forms,
// certificate.json (docs/certificate-format.md) and JUnit XML.

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "certify/verdict.hpp"

namespace ss::certify {

/// One row of the certificate.
struct Row {
  /// The handler's display name.
  std::string handler;
  /// The row id, e.g. `L1.gist`, `L2.contract.php-8.2`, `L3.race.two-tabs-counter`.
  std::string property;
  std::string title;
  int level = 1;
  Verdict verdict = Verdict::error;
  /// Why: what ran and agreed, or the first failure (several lines).
  std::string evidence;
  /// A command that reproduces a failure ("" when there is none).
  std::string replay;
  double time_ms = 0;
};

struct Certificate {
  std::vector<Row> rows;
};

/// The verdicts of every row, in order.
[[nodiscard]] std::vector<Verdict> verdicts(const Certificate& c);

/// certificate.json (docs/certificate-format.md).
[[nodiscard]] nlohmann::json certificate_json(const Certificate& c);

/// JUnit XML: one testsuite per handler, one testcase per row.
void write_junit(std::ostream& out, const Certificate& c);

/// `text` with XML's five special characters escaped; control characters other than tab,
/// newline and carriage return (which XML 1.0 cannot hold) are replaced.
[[nodiscard]] std::string xml_escape(const std::string& text);

}  // namespace ss::certify
