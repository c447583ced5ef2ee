#pragma once
// A scenario: what one browser does over one or more requests (docs/scenario-format.md).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "model/calls.hpp"
#include "model/options.hpp"

namespace ss::scenarios {

/// One `expect` line; it refers to the script call above it.
struct Expectation {
  enum class Kind : std::uint8_t {
    calls,
    result,
    session,
    status,
    diagnostic,
    no_diagnostic,
    cookies
  };
  Kind kind = Kind::calls;
  std::vector<std::string> calls;
  model::Value value;
  bool session_unset = false;
  std::string text;
  std::int64_t count = 0;
  int line = 0;
  /// `expect@php-legacy ...`: applies only under these engines (comma-separated; empty: every
  /// engine).
  std::string engine;
  /// `expect@basic ...`: applies only under these handler variants. Empty: under every variant,
  /// except that `expect calls` describes the scenario's own variant only (its `variant` line,
  /// default full): another shape makes other calls, which the model judges.
  std::vector<model::Variant> variants;
};

struct Step {
  model::ScriptCall call;
  std::vector<Expectation> expects;
  int line = 0;
  /// The line as written, for text traces.
  std::string source;
};

struct Request {
  enum class CookieMode : std::uint8_t { jar, none, explicit_id };
  CookieMode cookie_mode = CookieMode::jar;
  std::string cookie;
  std::string name;
  std::vector<Step> steps;
  /// `expect cookies N` lines written after the last step.
  std::vector<Expectation> expects;
  /// `fault METHOD[#N] ANSWER` lines: handler answers injected in this request.
  std::vector<model::Fault> faults;
  /// `register_shutdown=0`: session_set_save_handler($handler, false) (PHP's write at RSHUTDOWN).
  bool register_shutdown = true;
  /// `query=ID`: the URL's query string carries the session name with this id ($_GET).
  std::optional<std::string> query;
  int line = 0;
  /// Requests with the same batch number run concurrently under the explorer (a `concurrent`
  /// block); every other request has a batch of its own. Sequential runs ignore batches.
  int batch = 0;
};

/// `verdict ENGINE HANDLER pass|fail|finding [PROPERTY]`: what the explorer must conclude for a
/// race scenario under an engine and a handler scheme (memory, files, table, redis, sqlite).
struct Verdict {
  std::string engine;
  std::string handler;
  std::string outcome;
  std::string property;
  int line = 0;
};

struct StoredSeed {
  std::string id;
  std::string data;
  std::int64_t age_s = 0;
};

struct Scenario {
  std::string name;
  std::string file;
  std::vector<std::pair<std::string, std::string>> ini;
  std::optional<model::Variant> variant;
  std::vector<StoredSeed> store;
  std::int64_t clock_start_s = 1700000000;
  std::vector<Request> requests;
  std::vector<Verdict> verdicts;
  /// `faults SPEC`: the fault kinds `explore` injects by default (sched/faults.hpp checks the
  /// spec); "" for none.
  std::string faults;
};

/// A parse failure: `file:line: message`.
struct ParseError {
  std::string file;
  int line = 0;
  std::string message;
  [[nodiscard]] std::string str() const;
};

/// Bounds on scenario size, so that a hostile file cannot make a run unbounded.
inline constexpr std::size_t scenario_bytes_max = 4 * 1024 * 1024;
inline constexpr std::size_t requests_max = 10'000;
inline constexpr std::size_t steps_per_request_max = 10'000;

/// Parses scenario text; `file` is used in errors and for the default name.
[[nodiscard]] std::variant<Scenario, ParseError> parse_scenario(const std::string& text,
                                                                const std::string& file);
/// Reads and parses a file; a missing or unreadable file is a ParseError with line 0.
[[nodiscard]] std::variant<Scenario, ParseError> load_scenario(const std::string& path);

/// Whether every `fault` line of `sc` names a method the handler shape `v` has. A fault on a
/// method the shape lacks (validateId under `basic`) can never strike, so the effects the
/// scenario expects of it describe its own variant only (docs/scenario-format.md).
[[nodiscard]] bool faults_can_strike(const Scenario& sc, model::Variant v);

/// A JSON literal (docs/scenario-format.md) as a PHP value; nullopt if malformed.
[[nodiscard]] std::optional<model::Value> parse_value_literal(const std::string& text,
                                                              std::string& error);

}  // namespace ss::scenarios
