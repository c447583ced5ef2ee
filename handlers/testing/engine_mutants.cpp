#include "handlers/testing/engine_mutants.hpp"

#include <utility>

namespace ss::handlers {
namespace {

/// The model's engine with one lie in what it reports; the session calls themselves are the
/// model's, so the handler sees exactly what a correct engine would make it see.
class LyingEngine final : public model::Engine {
 public:
  LyingEngine(std::unique_ptr<model::Engine> inner, EngineLie lie)
      : inner_(std::move(inner)), lie_(lie) {}
  model::Proc<model::Outcome> begin_request() override { return inner_->begin_request(); }
  model::Proc<model::Outcome> script(const model::ScriptCall& c) override {
    return inner_->script(c);
  }
  model::Proc<model::Outcome> end_request() override { return inner_->end_request(); }
  [[nodiscard]] model::Status status() const override {
    return lie_ == EngineLie::status_none ? model::Status::none : inner_->status();
  }
  [[nodiscard]] std::string session_id() const override {
    std::string id = inner_->session_id();
    return lie_ == EngineLie::id_suffixed && !id.empty() ? id + "x" : id;
  }
  [[nodiscard]] const std::optional<model::Array>& session() const override {
    return inner_->session();
  }
  [[nodiscard]] std::vector<std::string> set_cookies() const override {
    if (lie_ == EngineLie::no_set_cookie) return {};
    return inner_->set_cookies();
  }
  void set_session(std::optional<model::Array> s) override { inner_->set_session(std::move(s)); }

 private:
  std::unique_ptr<model::Engine> inner_;
  EngineLie lie_;
};

std::string catalogue_names() {
  std::string names;
  for (const auto& m : engine_mutant_catalogue()) names += (names.empty() ? "" : ", ") + m.name;
  return names;
}

}  // namespace

const std::vector<EngineMutantInfo>& engine_mutant_catalogue() {
  static const std::vector<EngineMutantInfo> catalogue = {
      {"status-none", "session_status() reports PHP_SESSION_NONE while a session is active",
       EngineLie::status_none},
      {"id-suffixed", "session_id() reports the id with one character too many",
       EngineLie::id_suffixed},
      {"no-set-cookie", "the response carries no Set-Cookie line", EngineLie::no_set_cookie},
  };
  return catalogue;
}

EngineFactory lying_engines(EngineLie lie) {
  return [lie](model::EngineKind kind, model::RequestContext ctx, model::Rng& rng) {
    return std::unique_ptr<model::Engine>(
        std::make_unique<LyingEngine>(model::make_engine(kind, std::move(ctx), rng), lie));
  };
}

std::optional<base::Result<EngineMutantSpec>> parse_engine_mutant(std::string_view text) {
  constexpr std::string_view prefix = "mutant:";
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view rest = text.substr(prefix.size());
  const auto plus = rest.find('+');
  if (plus == std::string_view::npos) {
    return base::Result<EngineMutantSpec>(
        base::error("engine mutant '" + std::string(text) + "': expected mutant:NAME+ENGINE"));
  }
  const std::string name(rest.substr(0, plus));
  const std::string engine(rest.substr(plus + 1));
  const auto kind = model::parse_engine(engine);
  if (!kind) {
    return base::Result<EngineMutantSpec>(
        base::error("engine mutant '" + std::string(text) + "': unknown engine '" + engine + "'"));
  }
  for (const auto& m : engine_mutant_catalogue()) {
    if (m.name == name)
      return base::Result<EngineMutantSpec>(EngineMutantSpec{*kind, lying_engines(m.lie)});
  }
  return base::Result<EngineMutantSpec>(
      base::error("engine mutant '" + name + "' is unknown (want " + catalogue_names() + ")"));
}

}  // namespace ss::handlers
