#pragma once
// Runs a scenario: one engine per request, driven against a real handler, every step reported to
// the listeners. Sequential; the explorer interleaves the same pieces.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "base/result.hpp"
#include "handlers/seam.hpp"
#include "model/engine.hpp"
#include "scenarios/events.hpp"
#include "scenarios/scenario.hpp"

namespace ss::scenarios {

struct RunConfig {
  model::EngineKind engine = model::EngineKind::php82;
  /// Options from the command line; they override the scenario's `ini` lines.
  std::vector<std::pair<std::string, std::string>> ini;
  std::optional<model::Variant> variant;
  std::uint64_t seed = 1;
  /// Makes each request's engine under test; empty: model::make_engine. The judge's shadow
  /// engines are always the model's, so a test that decorates the engine under test with a
  /// fault proves that the judge sees it.
  std::function<std::unique_ptr<model::Engine>(model::EngineKind, model::RequestContext,
                                               model::Rng&)>
      engine_factory;
};

/// A scenario's effective run options and handler variant under a config.
struct ResolvedOptions {
  model::RunOptions options;
  model::Variant variant = model::Variant::full;
};

/// The options of `sc` under `cfg`: the scenario's `ini` lines, then the config's. An unknown
/// option or a bad value is an error naming it.
[[nodiscard]] base::Result<ResolvedOptions> resolve_options(const Scenario& sc,
                                                            const RunConfig& cfg);

/// The run header of `sc` under `cfg` against `backend` (handler URI and guarantees).
[[nodiscard]] base::Result<RunHeader> run_header(const Scenario& sc, const RunConfig& cfg,
                                                 const handlers::Backend& backend);

/// Runs `sc` against `backend` (whose clock must be `clock`), reporting to `listeners`; the
/// handlers get `points` (nullptr: points that never suspend). Fails when the run could not
/// start (a bad option).
[[nodiscard]] base::Status run_scenario(const Scenario& sc, const RunConfig& cfg,
                                        handlers::Backend& backend, handlers::ManualClock& clock,
                                        const std::vector<Listener*>& listeners,
                                        handlers::IoPoints* points = nullptr);

/// Receives events; the owner stamps their sequence numbers.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(Event e) = 0;
};

/// Sees every handler call of a request: before it (a scheduling point) and after it.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual handlers::Task<void> before_call(const model::HandlerCall& call) = 0;
  virtual void after_call(int step, const model::HandlerCall& call, const model::Answer& answer,
                          std::int64_t now_s) = 0;
};

/// Drives one engine procedure against a handler: the glue between model and seam. `faults`
/// (optional) injects a request's `fault` answers in place of the handler's.
handlers::Task<model::Outcome> drive(model::Proc<model::Outcome> proc,
                                     handlers::SessionHandler& handler, handlers::Clock& clock,
                                     CallObserver& observer, int step,
                                     model::FaultPlan* faults = nullptr);

/// What one request runs with. The engine, handler, points and clock outlive the run.
struct RequestPlan {
  const Request* request = nullptr;
  int number = 0;
  std::optional<std::string> cookie;
  model::Engine* engine = nullptr;
  handlers::SessionHandler* handler = nullptr;
  /// Scheduling points: before every handler call and at `yield`.
  handlers::IoPoints* points = nullptr;
  handlers::ManualClock* clock = nullptr;
  /// Emit handler events when they happen (explorer: the real interleaving) instead of after
  /// their script event.
  bool calls_as_they_happen = false;
};

/// Runs one request: request event, script calls, end of request. Returns its Set-Cookie values.
handlers::Task<std::vector<std::string>> run_request(const RequestPlan& plan, EventSink& sink);

/// The cookie a request sends, given the browser's jar.
[[nodiscard]] std::optional<std::string> cookie_for(const Request& req,
                                                    const std::optional<std::string>& jar);

/// Writes the scenario's `store` sessions through the backend, back-dated by their age.
handlers::Task<void> seed_store(const Scenario& sc, handlers::Backend& backend,
                                handlers::ManualClock& clock, handlers::IoPoints& points);

/// Performs one handler call and converts its Result into the Answer PHP would see.
handlers::Task<model::Answer> perform(handlers::SessionHandler& handler,
                                      const model::HandlerCall& call);

}  // namespace ss::scenarios
