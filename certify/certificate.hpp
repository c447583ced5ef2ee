#pragma once
// A certificate: what was asked (tool, seed, budgets, level, filters), what each handler
// promises, and one row per (handler, property); with its two machine-readable forms,
// certificate.json (docs/certificate-format.md, docs/certificate.schema.json) and JUnit XML.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "certify/plan.hpp"
#include "certify/verdict.hpp"
#include "handlers/seam.hpp"

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
  /// The engine profile the row ran under (model::engine_name; real PHP is php-8.2).
  std::string engine;
  double time_ms = 0;
};

/// One certified handler.
struct HandlerRecord {
  /// Display name (rows name it), and the URI as given.
  std::string name;
  std::string uri;
  /// "in-process" or "php-module".
  std::string kind;
  handlers::Guarantees guarantees;
  /// Fields of `guarantees` nobody declared (certify/target.hpp, DeclaredGuarantees).
  std::vector<std::string> assumed;
  /// Levels some of whose rows the plan's filters left out: such a level is not achieved.
  std::set<int> filtered_levels;
};

struct Certificate {
  /// ss::base::version() and commit() of the tool that made it.
  std::string tool_version;
  std::string tool_commit;
  std::uint64_t seed = 1;
  int level_requested = 3;
  Budgets budgets;
  std::vector<std::string> only;
  /// UTC, ISO 8601 (2026-12-06T09:30:00Z).
  std::string started_at;
  std::string finished_at;
  /// PHP_VERSION of the php8.2-cli that ran, when a php: module was certified.
  std::optional<std::string> php_version;
  std::vector<HandlerRecord> handlers;
  std::vector<Row> rows;
};

/// The verdicts of every row, in order.
[[nodiscard]] std::vector<Verdict> verdicts(const Certificate& c);

/// The highest level L up to the requested one such that `handler` has rows at every level
/// 1..L, none of them failed or errored, and no filter left one out; 0 when L1 is not achieved.
[[nodiscard]] int level_achieved(const Certificate& c, const std::string& handler);
/// The lowest level any handler achieved (0 without handlers).
[[nodiscard]] int level_achieved(const Certificate& c);

/// The current time, UTC, ISO 8601 to the second.
[[nodiscard]] std::string utc_now();

/// certificate.json (docs/certificate-format.md).
[[nodiscard]] nlohmann::json certificate_json(const Certificate& c);

/// JUnit XML: one testsuite per handler, one testcase per row; failures as <failure>, errors as
/// <error>, findings as <skipped message="finding: ...">, every verdict as a property.
void write_junit(std::ostream& out, const Certificate& c);

/// `text` as XML character data: the five special characters escaped, valid UTF-8 kept,
/// control characters XML 1.0 cannot hold and bytes that are not UTF-8 written as \xNN.
[[nodiscard]] std::string xml_escape(const std::string& text);

}  // namespace ss::certify
