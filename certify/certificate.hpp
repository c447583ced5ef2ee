#pragma once
// A certificate: what was asked (tool, seed, budgets, level, filters), what each handler
// promises, and one row per (handler, property); with its two machine-readable forms,
// certificate.json (docs/certificate-format.md, docs/certificate.schema.json) and JUnit XML.

#include <cstdint>
#include <map>
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

/// The interleaving that shows an L3 row's failure or finding, for the report's lanes.
struct RaceEvidence {
  /// The violated property: lost-update, no-resurrection or progress.
  std::string property;
  /// The schedule (shrunk for a failure where the target can shrink) and its replay line.
  std::string schedule;
  std::string replay;
  /// The schedule's events as trace JSON objects (docs/trace-format.md), run event first;
  /// empty where the target cannot replay a schedule in-process (real PHP processes).
  nlohmann::json trace = nlohmann::json::array();
};

/// One failing scenario of an L1 row: every one is listed, each with its replay line.
struct FailingScenario {
  /// The scenario's name.
  std::string scenario;
  /// Its first disagreement (scenarios::Failure::str()).
  std::string failure;
  std::string replay;
};

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
  /// L2: the shrunk counterexample, one drawn value per line, the commands last ("" when none).
  std::string counterexample;
  /// L3: the interleaving behind a failure or a finding.
  std::optional<RaceEvidence> race;
  /// L1: every failing scenario of the row, in run order (`replay` is the first one's).
  std::vector<FailingScenario> failing;
};

/// One certified handler.
struct HandlerRecord {
  /// Display name (rows name it), and the URI as given.
  std::string name;
  std::string uri;
  /// "in-process", "php-module" or "php-class".
  std::string kind;
  handlers::Guarantees guarantees;
  /// Fields of `guarantees` nobody declared (certify/target.hpp, DeclaredGuarantees).
  std::vector<std::string> assumed;
  /// php-class: who declared each declared field; the class and the shape PHP saw.
  std::map<std::string, std::string> declared_by;
  std::string class_name;
  std::string shape;
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
  /// `--fail-fast` stopped the run at a failed row: the rows after it did not run.
  bool cut_short = false;
};

/// The verdicts of every row, in order.
[[nodiscard]] std::vector<Verdict> verdicts(const Certificate& c);

/// The highest level L up to the requested one such that `handler` has rows at every level
/// 1..L, none of them failed or errored, and no filter left one out; 0 when L1 is not achieved.
[[nodiscard]] int level_achieved(const Certificate& c, const std::string& handler);
/// The lowest level any handler achieved (0 without handlers).
[[nodiscard]] int level_achieved(const Certificate& c);

/// One line for a user's class (the class, its shape) or an exec: handler that declares
/// guarantees: every guarantee with who declared it or "(assumed)"; "" for other handlers
/// (sessionspec declares theirs: docs/certify.md).
[[nodiscard]] std::string guarantees_line(const HandlerRecord& h);

/// The current time, UTC, ISO 8601 to the second.
[[nodiscard]] std::string utc_now();

/// certificate.json (docs/certificate-format.md).
[[nodiscard]] nlohmann::json certificate_json(const Certificate& c);

/// races.json for the report generator (reports/README.md, "Races"): one entry per row with
/// race evidence, linked to the row by `row`.
[[nodiscard]] nlohmann::json races_json(const Certificate& c);
/// True when some row carries race evidence.
[[nodiscard]] bool has_races(const Certificate& c);

/// JUnit XML: one testsuite per handler, one testcase per row; failures as <failure>, errors as
/// <error>, findings as <skipped message="finding: ...">, every verdict as a property.
void write_junit(std::ostream& out, const Certificate& c);

/// `text` as XML character data: the five special characters escaped, valid UTF-8 kept,
/// control characters XML 1.0 cannot hold and bytes that are not UTF-8 written as \xNN.
[[nodiscard]] std::string xml_escape(const std::string& text);

}  // namespace ss::certify
