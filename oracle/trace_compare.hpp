#pragma once
// Comparing PHP's trace with the model's (the oracle's third role, after encoding programs and
// running PHP). Session ids are random on both sides, so both traces are normalised first: each
// distinct id becomes <id1>, <id2>, ... in order of first appearance. Traces come from outside
// (PHP, files), so every function here tolerates events of any shape.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ss::oracle {

/// Assigns <idN> placeholders in order of first appearance and remembers both directions.
class IdMap {
 public:
  std::string placeholder(const std::string& id);
  [[nodiscard]] bool known(const std::string& id) const { return to_placeholder_.count(id) > 0; }
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

/// Replaces session ids in a trace by <idN> placeholders, in order of first appearance.
void normalise_ids(std::vector<nlohmann::json>& events);

/// The fields of an event that both sides must agree on (drops seq, lane, bin and unknowns).
[[nodiscard]] nlohmann::json comparable(const nlohmann::json& event);

/// The first difference of two normalised traces, described (event, request, step, both sides);
/// "" when they agree.
[[nodiscard]] std::string first_difference(const std::vector<nlohmann::json>& model,
                                           const std::vector<nlohmann::json>& php);

}  // namespace ss::oracle
