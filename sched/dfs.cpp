// Preemption-bounded exhaustive search (CHESS, Loom): every schedule with at most `bound`
// preemptions, depth-first. Each step's ready set is recorded; after a schedule the deepest step
// with an untried alternative (within the bound) is advanced and everything after it dropped.

#include <algorithm>

#include "sched/scheduler.hpp"

namespace ss::sched {
namespace {

class DfsStrategy final : public Strategy {
 public:
  explicit DfsStrategy(int bound) : bound_(bound) {}
  void begin(std::uint64_t, int) override {}
  int choose(const std::vector<int>& ready, int current, std::size_t step) override;
  void end(std::size_t steps) override;
  bool more() const override { return !exhausted_; }
  std::string name() const override { return "dfs:" + std::to_string(bound_); }

 private:
  struct Node {
    /// The default choice first, then the alternatives.
    std::vector<int> options;
    std::size_t next = 0;
    /// Picking an alternative here preempts a task that could have continued.
    bool preempts = false;
  };
  int preemptions_before(std::size_t index) const;

  int bound_;
  std::vector<Node> path_;
  bool exhausted_ = false;
};

int DfsStrategy::choose(const std::vector<int>& ready, int current, std::size_t step) {
  if (step < path_.size()) {
    const Node& n = path_[step];
    const int want = n.options[n.next];
    // A deterministic system replays the same ready sets; fall back if it ever does not.
    if (std::find(ready.begin(), ready.end(), want) != ready.end()) return want;
    return default_choice(ready, current);
  }
  Node n;
  const int first = default_choice(ready, current);
  n.options.push_back(first);
  for (int t : ready) {
    if (t != first) n.options.push_back(t);
  }
  n.preempts = first == current;
  path_.push_back(std::move(n));
  return first;
}

int DfsStrategy::preemptions_before(std::size_t index) const {
  int count = 0;
  for (std::size_t j = 0; j < index; ++j) {
    if (path_[j].next != 0 && path_[j].preempts) ++count;
  }
  return count;
}

void DfsStrategy::end(std::size_t steps) {
  path_.resize(std::min(path_.size(), steps));
  for (std::size_t i = path_.size(); i-- > 0;) {
    Node& n = path_[i];
    const int cost = n.preempts ? 1 : 0;
    if (n.next + 1 < n.options.size() && preemptions_before(i) + cost <= bound_) {
      ++n.next;
      path_.resize(i + 1);
      return;
    }
  }
  exhausted_ = true;
}

}  // namespace

std::unique_ptr<Strategy> make_dfs_strategy(int preemption_bound) {
  return std::make_unique<DfsStrategy>(preemption_bound);
}

}  // namespace ss::sched
