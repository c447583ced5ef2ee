#pragma once
// Trace writers: JSON lines (docs/trace-format.md, version 1) and the gist's two-column text view.

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "scenarios/events.hpp"

namespace ss::scenarios {

inline constexpr int trace_schema_version = 1;

/// Byte strings as trace JSON strings: each byte becomes the code point of the same number, so
/// that any bytes survive; `bin` is set when a byte >= 0x80 occurred.
[[nodiscard]] nlohmann::json bytes_json(const std::string& bytes, bool& bin);
/// The inverse of bytes_json for strings of a `bin` event.
[[nodiscard]] std::string json_bytes(const nlohmann::json& j, bool bin);

/// A PHP value as a trace result: scalars as JSON, other values as {"php": serialize(v)}.
[[nodiscard]] nlohmann::json value_json(const model::Value& v, bool& bin);
[[nodiscard]] nlohmann::json answer_json(const model::Answer& a, bool& bin);

/// The name of the run's scenario ("" for runs without one), as traces print it.
[[nodiscard]] std::string_view scenario_name(const RunHeader& head);

/// One event of a run of the scenario named `scenario` as a trace JSON object.
[[nodiscard]] nlohmann::json event_json(const Event& e, std::string_view scenario);

/// Writes JSON lines.
class JsonTraceWriter final : public Listener {
 public:
  explicit JsonTraceWriter(std::ostream& out) : out_(out) {}
  void on_event(const Event& e) override;

 private:
  std::ostream& out_;
  /// The scenario of the last run event: every line names it.
  std::string scenario_;
};

/// Writes the gist's two-column view: script calls on the left, handler calls indented.
class TextTraceWriter final : public Listener {
 public:
  explicit TextTraceWriter(std::ostream& out) : out_(out) {}
  void on_event(const Event& e) override;

 private:
  std::ostream& out_;
};

/// A script call in PHP syntax (`$_SESSION['foo'] = 'bar';`).
[[nodiscard]] std::string php_syntax(const model::ScriptCall& call);

}  // namespace ss::scenarios
