#pragma once
// Checkers: listeners that judge a run. They observe the event stream and never steer it.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/engine.hpp"
#include "model/store_model.hpp"
#include "scenarios/events.hpp"

namespace ss::scenarios {

/// A disagreement: where, what, expected and actual.
struct Failure {
  std::string scenario;
  int request = 0;
  int step = 0;
  int line = 0;
  std::string what;
  std::string expected;
  std::string actual;
  [[nodiscard]] std::string str() const;
};

/// Compares every handler answer with the reference store and every script-visible result with
/// a shadow engine fed by the judged answers. Keeps the first divergence.
class ConformanceChecker final : public Listener {
 public:
  explicit ConformanceChecker(model::StoreConfig store);
  ~ConformanceChecker() override;
  void on_event(const Event& e) override;
  void on_finish() override;
  [[nodiscard]] const std::optional<Failure>& failure() const { return failure_; }
  /// What the last run showed of the handler's id policy (docs/handlers.md, "Ids").
  [[nodiscard]] model::OddIdObservation odd_ids() const {
    return store_ ? store_->odd_ids() : model::OddIdObservation{};
  }

 private:
  struct Group;
  void finalize();
  void begin_group(const Event& e);
  void check_group(Group& g);
  model::Judgement judge(const Event& call, const model::Answer* preset);
  void fail(const Event& at, std::string what, std::string expected, std::string actual);

  model::StoreConfig store_config_;
  std::unique_ptr<model::StoreModel> store_;
  std::unique_ptr<model::Rng> rng_;
  std::unique_ptr<model::Engine> engine_;
  model::EngineKind engine_kind_ = model::EngineKind::php82;
  model::RunOptions opts_;
  model::Variant variant_ = model::Variant::full;
  std::unique_ptr<Group> group_;
  std::optional<Failure> failure_;
  std::string scenario_;
};

/// Checks the scenario's `expect` lines.
class ExpectationChecker final : public Listener {
 public:
  void on_event(const Event& e) override;
  void on_finish() override { settle(); }
  [[nodiscard]] const std::vector<Failure>& failures() const { return failures_; }

 private:
  void settle();
  void judge(const Expectation& x, const Event& e, const std::vector<std::string>& calls);
  std::optional<Event> pending_;
  std::vector<std::string> calls_;
  std::string engine_;
  std::vector<Failure> failures_;
};

}  // namespace ss::scenarios
