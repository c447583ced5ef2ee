#pragma once
// The in-memory event stream of a run. Listeners (trace writers, checkers, reporters) observe it;
// they never steer the run.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/calls.hpp"
#include "model/engine.hpp"
#include "scenarios/scenario.hpp"

namespace ss::scenarios {

enum class EventKind : std::uint8_t { run, request, script, handler, response };
[[nodiscard]] std::string_view event_kind_name(EventKind k);

struct Event {
  EventKind kind = EventKind::script;
  std::string scenario;
  int request = 0;
  int step = 0;
  int seq = 0;
  /// Request name (lane) for concurrent runs.
  std::string lane;

  // run
  std::string engine;
  std::string handler;
  std::string variant;
  std::map<std::string, std::string> ini;
  std::uint64_t seed = 0;
  /// Explorer runs: the schedule (docs/trace-format.md) and the trace hash of a replay.
  std::string schedule;
  std::string trace_hash;

  // request
  std::optional<std::string> cookie;

  // script
  const model::ScriptCall* call = nullptr;
  /// The scenario line this script event came from (its expectations), or the request for
  /// request/response events. Null for events that have no source (explorer-made calls).
  const Step* origin_step = nullptr;
  const Request* origin_request = nullptr;
  /// On run events: the scenario being run.
  const Scenario* origin_scenario = nullptr;
  /// On handler events: the handler's clock when the call was made.
  std::int64_t now_s = 0;
  std::string source;
  model::Outcome outcome;
  model::Status status = model::Status::none;
  std::string id;
  std::optional<model::Array> session;

  // handler
  model::HandlerCall hcall;
  model::Answer answer;

  // response
  std::vector<std::string> set_cookies;
};

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
