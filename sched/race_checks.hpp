#pragma once
// What the explorer needs beyond the judge (scenarios/judge.hpp) to judge a concurrent run: the
// serial orders as a strategy, and the stored state after a run, read back and normalised.

#include <boost/asio/io_context.hpp>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sched/explorer.hpp"

namespace ss::sched {

/// Runs the tasks in the order `order` (a permutation of task ids): one serial execution.
class SerialOrder final : public Strategy {
 public:
  explicit SerialOrder(std::vector<int> order) : order_(std::move(order)) {}
  void begin(std::uint64_t, int) override {}
  int choose(const std::vector<int>& ready, int current, std::size_t) override;
  [[nodiscard]] std::string name() const override { return "serial"; }

 private:
  std::vector<int> order_;
};

/// Session data in a form that does not depend on who encoded it; remembers what it computed
/// (the same few session strings recur in every schedule), up to a bound.
class CanonicalCache {
 public:
  explicit CanonicalCache(model::Serializer format) : format_(format) {}
  const std::string& get(const std::string& data);

 private:
  static constexpr std::size_t entries_max = 4096;
  model::Serializer format_;
  std::unordered_map<std::string, std::string> entries_;
  /// The result for data that did not fit into the cache.
  std::string uncached_;
};

/// Reads the sessions `ids` names through a fresh handler of `backend` and normalises them:
/// ids in `named` by id, the others (random ids made during the run) as a multiset. A read that
/// fails leaves its session out, and adds its id to `unreadable` when that is given.
[[nodiscard]] StoreState read_state(boost::asio::io_context& io, handlers::Backend& backend,
                                    handlers::ManualClock& clock,
                                    const std::vector<std::string>& ids,
                                    const std::set<std::string>& named, CanonicalCache& canonical,
                                    std::vector<std::string>* unreadable = nullptr);

}  // namespace ss::sched
