#pragma once
// The explorer's checkers. They read a schedule's events as they happen and the stored state
// afterwards and add violations; they never influence the run. Judging as the events arrive lets
// the explorer drop each event at once instead of keeping every schedule's trace.

#include <boost/asio/io_context.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "sched/explorer.hpp"

namespace ss::sched {

/// Ids the scenario text names (store lines, cookie=ID, session_id "..."): compared by id.
[[nodiscard]] std::set<std::string> named_ids(const scenarios::Scenario& sc);

/// The named ids that no `store` line issued: the client chose them (strict mode refuses them).
[[nodiscard]] std::set<std::string> client_ids(const scenarios::Scenario& sc);

/// The scenario's requests grouped into batches: a `concurrent` block is one batch, every other
/// request a batch of its own.
[[nodiscard]] std::vector<std::vector<const scenarios::Request*>> batches_of(
    const scenarios::Scenario& sc);

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

/// The `run` event of an explorer trace.
[[nodiscard]] scenarios::Event run_event(const scenarios::Scenario& sc, const ExploreConfig& cfg,
                                         const std::string& uri, const model::RunOptions& opts,
                                         model::Variant variant);

/// Runs a coroutine on `io` to its end (no scheduling points); rethrows what it threw.
void run_plain(boost::asio::io_context& io, handlers::Task<void> task);

/// Every task order that runs each concurrent batch serially (at most 720).
[[nodiscard]] std::vector<std::vector<int>> serial_orders(
    const std::vector<std::vector<const scenarios::Request*>>& batches,
    const scenarios::Scenario& sc);

/// What the serializability check compares a run's final store with: computed once per
/// explorer, since it does not depend on the schedule.
struct SerialOutcomes {
  std::vector<StoreState> states;
  /// lost-update, or no-resurrection when a request removes keys or the whole session.
  std::string property;
  /// Each concurrent request's written keys are disjoint from the others' ("merge" handlers
  /// may lose nothing then).
  bool disjoint_keys = false;
  /// The states as the violation's detail lists them.
  std::string shown;
};

[[nodiscard]] SerialOutcomes describe_serial(std::vector<StoreState> states,
                                             const scenarios::Scenario& sc);

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
/// ids in `named` by id, the others (random ids made during the run) as a multiset.
[[nodiscard]] StoreState read_state(boost::asio::io_context& io, handlers::Backend& backend,
                                    handlers::ManualClock& clock,
                                    const std::vector<std::string>& ids,
                                    const std::set<std::string>& named, CanonicalCache& canonical);

/// The checkers of one run. observe() every event in order; finish() adds the violations.
///  - progress: every request finished within the step budget; else each request's wait;
///  - isolation: a request's $_SESSION changes only through its own calls;
///  - Set-Cookie: one on a first visit that starts a session, none for a returning visitor whose
///    id did not change (a refresh is a finding), never a changed id without a cookie;
///  - strict mode: with use_strict_mode a request never adopts an id the client chose (a cookie
///    or session_id() value that no create_sid or `store` line issued);
///  - lost update / no resurrection: the final store equals the outcome of some serial order,
///    judged against the handler's declared concurrency guarantee.
class RunJudge {
 public:
  /// `client_ids`: ids the scenario names that no `store` line issued.
  RunJudge(const model::RunOptions& opts, const std::set<std::string>& named,
           const std::set<std::string>& client_ids)
      : strict_(opts.use_strict_mode), named_(named), client_ids_(client_ids) {}

  void observe(const scenarios::Event& e) { dispatch(e, nullptr); }
  /// observe() for an event the caller drops next: its $_SESSION is moved, not copied.
  void consume(scenarios::Event&& e) { dispatch(e, &e.session); }
  /// Sorted, without repeats: the named ids and every id a handler call of the run used.
  [[nodiscard]] std::vector<std::string> touched_ids() const;
  /// Appends the violations to `run` (progress, isolation, Set-Cookie, strict mode, then lost
  /// update), judging `run.final_state` against `serial`.
  void finish(ScheduleRun& run, const SerialOutcomes& serial, const handlers::Guarantees& g);

 private:
  /// What one request's $_SESSION must be, from its own calls alone.
  struct Lane {
    std::string name;
    bool known = false;
    bool active = false;
    std::optional<model::Array> view;
    std::optional<std::string> cookie;
    bool started = false;
  };
  Lane& lane(int request);
  void dispatch(const scenarios::Event& e, std::optional<model::Array>* session);
  void observe_script(Lane& lane, const scenarios::Event& e, std::optional<model::Array>* session);
  void observe_response(Lane& lane, const scenarios::Event& e);

  bool strict_;
  const std::set<std::string>& named_;
  const std::set<std::string>& client_ids_;
  /// Indexed by request number - 1.
  std::vector<Lane> lanes_;
  std::vector<std::string> ids_;
  std::vector<std::string> issued_;
  std::optional<Violation> isolation_;
  std::vector<Violation> set_cookie_;
  std::optional<Violation> strict_mode_;
};

}  // namespace ss::sched
