#pragma once
// What a scenario's text says about its runs, computed once per scenario and shared by the
// explorer, the real-process race runner and the judge: the ids it names, the batches of
// requests that run concurrently, the keys each concurrent request writes, the serial orders a
// concurrent run is compared with, and the stored state those orders leave.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace ss::scenarios {

/// Consecutive requests that run concurrently (a `concurrent` block), or one request alone.
struct Batch {
  /// Index of the first request in Scenario::requests.
  std::size_t first = 0;
  std::size_t size = 1;
};

struct ScenarioAnalysis {
  /// Ids the scenario text names (store lines, cookie=ID, session_id "..."): compared by id.
  std::set<std::string> named_ids;
  /// The named ids that no `store` line issued: the client chose them (strict mode refuses
  /// them).
  std::set<std::string> client_ids;
  /// The requests in order, grouped into batches.
  std::vector<Batch> batches;
  /// Some batch has two or more requests (there is something to interleave).
  bool concurrent = false;
  /// What a final store no serial order explains violates: "lost-update", or
  /// "no-resurrection" when a request removes keys or the whole session.
  std::string serial_property;
  /// The concurrent requests' written keys are pairwise disjoint (a handler that merges
  /// disjoint keys may lose nothing then).
  bool disjoint_keys = false;
};

[[nodiscard]] ScenarioAnalysis analyse(const Scenario& sc);

/// Every task order (task i runs request i) that runs each batch serially, batches in order;
/// at most `orders_max`.
inline constexpr std::size_t serial_orders_max = 720;
[[nodiscard]] std::vector<std::vector<int>> serial_orders(const std::vector<Batch>& batches);

/// The normalised stored state after a run: sessions with ids the scenario names, and the data
/// of sessions created during the run (ids are random) as a multiset.
struct StoreState {
  std::map<std::string, std::string> named;
  std::multiset<std::string> anonymous;
  friend bool operator==(const StoreState&, const StoreState&) = default;
  [[nodiscard]] std::string show() const;
};

/// What the serializability check compares a concurrent run's final store with.
struct SerialOutcomes {
  /// The distinct final states of the serial orders, in the order first seen.
  std::vector<StoreState> states;
  /// ScenarioAnalysis::serial_property and ::disjoint_keys.
  std::string property;
  bool disjoint_keys = false;
  /// The states as the violation's detail lists them.
  std::string shown;
};

/// Runs every serial order with `run` (which returns the final state, or nullopt when the run
/// did not finish) and collects the outcomes: the one definition the explorer and the
/// real-process race runner share.
[[nodiscard]] SerialOutcomes serial_outcomes(
    const ScenarioAnalysis& analysis,
    const std::function<std::optional<StoreState>(const std::vector<int>& order)>& run);

}  // namespace ss::scenarios
