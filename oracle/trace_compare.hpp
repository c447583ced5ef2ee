#pragma once
// Comparing PHP's trace with the model's (the oracle's third role, after encoding programs and
// running PHP). Session ids are random on both sides, so both traces are normalised first: each
// distinct id becomes <id1:26:b32>, <id2:...>, ... in order of first appearance, keeping its
// length and the PHP alphabet it fits, which are compared. Traces come from outside
// (PHP, files), so every function here tolerates events of any shape.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ss::oracle {

/// Assigns <idN:LENGTH:ALPHABET> placeholders in order of first appearance and remembers both
/// directions: ids are random on both sides, but their length and alphabet are not.
class IdMap {
 public:
  std::string placeholder(const std::string& id);
  [[nodiscard]] bool known(const std::string& id) const { return to_placeholder_.count(id) > 0; }
  /// The placeholder of `id`, if one was assigned.
  [[nodiscard]] std::optional<std::string> placeholder_of(const std::string& id) const;
  /// The id behind placeholder `p`, if one was assigned.
  [[nodiscard]] std::optional<std::string> id_of(const std::string& p) const;

 private:
  std::map<std::string, std::string> to_placeholder_;
  std::map<std::string, std::string> to_id_;
};

/// A string field of an event, or "" when absent or not a string.
[[nodiscard]] std::string event_text(const nlohmann::json& e, const char* key);
/// An integer field of an event, or 0 when absent or not an integer.
[[nodiscard]] long long event_int(const nlohmann::json& e, const char* key);

/// Learns the ids event `e` mentions into `ids`, then rewrites them as placeholders.
void normalise_event(nlohmann::json& e, IdMap& ids);

/// Replaces session ids in a trace by <idN:LENGTH:ALPHABET> placeholders, in order of first
/// appearance.
void normalise_ids(std::vector<nlohmann::json>& events);

/// The fields of an event that both sides must agree on (drops seq, lane, bin and unknowns).
[[nodiscard]] nlohmann::json comparable(const nlohmann::json& event);

/// The first difference of two normalised traces, described (event, request, step, both sides);
/// "" when they agree.
[[nodiscard]] std::string first_difference(const std::vector<nlohmann::json>& model,
                                           const std::vector<nlohmann::json>& php);

/// The first difference between a model trace and PHP's, both as written (real ids), after both
/// are normalised: what compare_with_php reports. Controls use it on deliberately wrong traces.
[[nodiscard]] std::optional<std::string> trace_difference(std::vector<nlohmann::json> model,
                                                          std::vector<nlohmann::json> php);

}  // namespace ss::oracle
