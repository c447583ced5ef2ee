#pragma once
// The in-memory event stream of a run. Listeners (trace writers, the judge's properties,
// reporters) observe it; they never steer the run.
//
// An Event is a small header (kind, request, step, seq, lane) and one payload per kind. Nothing
// in it points into the parsed scenario but the run header's `scenario` and the lane name: a
// script event's step is found as `request`/`step` in that scenario (scenarios::step_at), so
// events of runs without a scenario (property cases) and of real PHP look alike. A new kind of
// event is a new payload type appended to Payload and to EventKind, in the same order.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "handlers/faults.hpp"
#include "handlers/seam.hpp"
#include "model/calls.hpp"
#include "model/engine.hpp"
#include "scenarios/scenario.hpp"

namespace ss::scenarios {

/// The kinds, in the order of Event::Payload's alternatives.
enum class EventKind : std::uint8_t { run, request, script, handler, response, fault };
[[nodiscard]] std::string_view event_kind_name(EventKind k);

/// The typed configuration of a run: what the judge needs to replay it and what the trace's run
/// line prints. Nothing here is parsed back from text.
struct RunHeader {
  /// The engine profile as traces name it: an engine's name, or "shared-array" (the explorer's
  /// process-wide $_SESSION over php-8.2).
  std::string engine_label = "php-8.2";
  model::EngineKind engine = model::EngineKind::php82;
  /// The handler URI as given (not the isolated store one run used).
  std::string handler;
  model::Variant variant = model::Variant::full;
  /// The effective run options (the scenario's `ini` lines and the command line's).
  model::RunOptions options;
  std::uint64_t seed = 1;
  /// What the backend promises: the reference store's expiry and id limit, its concurrency.
  handlers::Guarantees guarantees;
  /// The scenario being run (its `store` lines seed the reference store, its steps hold the
  /// expectations). Null for runs without one (property cases). It outlives the run's events.
  const Scenario* scenario = nullptr;
  /// Whether the responses' Set-Cookie lines were observed: real PHP's CLI keeps no headers, so
  /// its traces carry none (oracle/README.md), and nothing may be concluded from their absence.
  bool set_cookie_observed = true;
  /// Explorer traces: the schedule, and the trace hash of a replay (empty: not printed).
  std::string schedule;
  std::string trace_hash;
};

/// What the script sees of the session after a call (script and response events).
struct SessionState {
  model::Status status = model::Status::none;
  std::string id;
  /// $_SESSION, or nullopt while it is unset.
  std::optional<model::Array> session;
};

/// A request begins.
struct RequestEvent {
  /// The PHPSESSID cookie the browser sends.
  std::optional<std::string> cookie;
};

/// A script call completed.
struct ScriptEvent {
  /// The call as written (in the scenario, or in a property case's command); never null, and it
  /// outlives the run's events.
  const model::ScriptCall* call = nullptr;
  model::Outcome outcome;
  SessionState state;
};

/// One save-handler call and its answer.
struct HandlerEvent {
  model::HandlerCall call;
  model::Answer answer;
  /// The handler's clock when the call was made.
  std::int64_t now_s = 0;
};

/// The request ended (shutdown ran).
struct ResponseEvent {
  model::Outcome outcome;
  SessionState state;
  /// PHPSESSID values of the response's Set-Cookie lines, in order.
  std::vector<std::string> set_cookies;
};

/// A fault the explorer injected into the request (sched/faults.hpp, docs/trace-format.md):
/// at its `point`th scheduling point, named `where` ("start", "write", "redis.watch", ...).
struct FaultEvent {
  handlers::FaultKind kind = handlers::FaultKind::crash;
  int point = 0;
  std::string where;
  /// stall: how far the clock moved.
  std::int64_t seconds = 0;
  /// The handler's clock when the fault struck (after a stall: the new time).
  std::int64_t now_s = 0;
  /// What could not be done, when the fault did not take (e.g. no connection to reset).
  std::string note;
};

struct Event {
  /// The run header is shared: a trace keeps it, listeners read it, nobody copies it.
  using Payload = std::variant<std::shared_ptr<const RunHeader>, RequestEvent, ScriptEvent,
                               HandlerEvent, ResponseEvent, FaultEvent>;

  /// 1-based request number (0 for the run event, and for handler calls made outside any
  /// request: a property's probes and audits).
  int request = 0;
  /// 1-based script-call number inside the request; 0 for request events and the calls of the
  /// request's start; handler events carry the step of the script call that caused them.
  int step = 0;
  /// 0-based event number inside the run.
  int seq = 0;
  /// The request's name in the scenario (concurrent runs), viewed: the scenario outlives the
  /// run's events.
  std::string_view lane;
  Payload payload;

  [[nodiscard]] EventKind kind() const { return static_cast<EventKind>(payload.index()); }
  [[nodiscard]] const RunHeader& run() const { return *std::get<0>(payload); }
  /// The run header, shared: for listeners that keep it beyond the event.
  [[nodiscard]] const std::shared_ptr<const RunHeader>& run_shared() const {
    return std::get<0>(payload);
  }
  [[nodiscard]] const RequestEvent& request_event() const { return std::get<1>(payload); }
  [[nodiscard]] const ScriptEvent& script() const { return std::get<2>(payload); }
  [[nodiscard]] const HandlerEvent& handler() const { return std::get<3>(payload); }
  [[nodiscard]] const ResponseEvent& response() const { return std::get<4>(payload); }
  [[nodiscard]] const FaultEvent& fault() const { return std::get<5>(payload); }
  [[nodiscard]] ScriptEvent& script() { return std::get<2>(payload); }
  [[nodiscard]] ResponseEvent& response() { return std::get<4>(payload); }
};

/// The run event of `header`.
[[nodiscard]] Event run_event(RunHeader header);

/// The scenario step a script event came from (`request`, `step` as in Event), or nullptr when
/// it is not in `sc`.
[[nodiscard]] const Step* step_at(const Scenario& sc, int request, int step);
/// The scenario request of a request number, or nullptr.
[[nodiscard]] const Request* request_at(const Scenario& sc, int request);

class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_event(const Event& e) = 0;
  /// The run is over (flush, final checks).
  virtual void on_finish() {}
};

/// The script-visible argument list of a script call, for traces.
[[nodiscard]] std::vector<model::Value> script_args(const model::ScriptCall& call);
/// A call registered with on_shutdown as its trace shows it: the op and its arguments rendered
/// by model::show, e.g. `set 'b' 2`.
[[nodiscard]] std::string deferred_text(const model::ScriptCall& call);

}  // namespace ss::scenarios
