#pragma once
// The verdict of one certificate row and what a set of verdicts means for the whole certificate
// (docs/certify.md, "Verdicts"). Verdicts are an enum, never compared as strings; their names
// are the ones certificate.json, JUnit and the report use.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

namespace ss::certify {

enum class Verdict : std::uint8_t {
  /// The property holds, with evidence (cases, scenarios or schedules that ran).
  pass,
  /// The property is broken in a way the handler's declared guarantee allows (a lost update on a
  /// last-writer-wins store): reported, does not fail the certificate.
  finding,
  /// The handler breaks what it promises or what a correct store does; the row has a replay line.
  fail,
  /// Not run on purpose (nothing applies); says nothing either way.
  skip,
  /// The row could not judge: infrastructure or tool trouble (a server that refuses connections,
  /// PHP that cannot run, no evidence at all). Never a pass.
  error,
};

/// "pass", "finding", "fail", "skip" or "error".
[[nodiscard]] std::string_view verdict_name(Verdict v);
/// Prints verdict_name (GoogleTest and log lines).
std::ostream& operator<<(std::ostream& os, Verdict v);
/// The inverse of verdict_name; nullopt for anything else.
[[nodiscard]] std::optional<Verdict> parse_verdict(std::string_view name);

/// What a certificate's rows add up to.
enum class Outcome : std::uint8_t {
  /// Every row passed or found only what the guarantees allow (exit 0).
  certified,
  /// Some row failed (exit 1), whatever else happened: a failure is a definite answer.
  not_certified,
  /// No row failed, but some row could not judge, or there are no rows (exit 3): the
  /// certificate is incomplete and must not be read as a pass.
  incomplete,
};

/// The outcome of `verdicts` (docs/certify.md, "Exit status").
[[nodiscard]] Outcome outcome(const std::vector<Verdict>& verdicts);

}  // namespace ss::certify
