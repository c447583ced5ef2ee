#pragma once
// A deliberately wrong engine under test (tests only; nothing outside tests/ includes it): the
// model's engine, except that it misreports one thing the script sees. The judge's shadow
// engine is the model's own, so every lie must come out as a failure.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/engine.hpp"

namespace ss::testing_support {

/// What the engine gets wrong.
enum class Lie : std::uint8_t {
  /// session_status() reports "none" while a session is active.
  status,
  /// session_id() reports the id with an extra character.
  id,
  /// The response carries no Set-Cookie line.
  set_cookie,
};

class LyingEngine final : public model::Engine {
 public:
  LyingEngine(std::unique_ptr<model::Engine> inner, Lie lie)
      : inner_(std::move(inner)), lie_(lie) {}
  model::Proc<model::Outcome> begin_request() override { return inner_->begin_request(); }
  model::Proc<model::Outcome> script(const model::ScriptCall& c) override {
    return inner_->script(c);
  }
  model::Proc<model::Outcome> end_request() override { return inner_->end_request(); }
  [[nodiscard]] model::Status status() const override {
    return lie_ == Lie::status ? model::Status::none : inner_->status();
  }
  [[nodiscard]] std::string session_id() const override {
    const std::string id = inner_->session_id();
    return lie_ == Lie::id && !id.empty() ? id + "x" : id;
  }
  [[nodiscard]] const std::optional<model::Array>& session() const override {
    return inner_->session();
  }
  [[nodiscard]] std::vector<std::string> set_cookies() const override {
    if (lie_ == Lie::set_cookie) return {};
    return inner_->set_cookies();
  }
  void set_session(std::optional<model::Array> s) override { inner_->set_session(std::move(s)); }

 private:
  std::unique_ptr<model::Engine> inner_;
  Lie lie_;
};

/// A RunConfig::engine_factory whose engines tell `lie`.
inline auto lying_engines(Lie lie) {
  return [lie](model::EngineKind kind, model::RequestContext ctx, model::Rng& rng) {
    return std::unique_ptr<model::Engine>(
        std::make_unique<LyingEngine>(model::make_engine(kind, std::move(ctx), rng), lie));
  };
}

}  // namespace ss::testing_support
