#include "oracle/real_engine.hpp"

#include <map>

#include "oracle/php_events.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"

namespace ss::oracle {

using scenarios::Event;
using scenarios::EventKind;

scenarios::Scenario judgeable(const scenarios::Scenario& sc) {
  using Kind = scenarios::Expectation::Kind;
  scenarios::Scenario out = sc;
  const bool same_shape = sc.variant == model::Variant::sessionhandler;
  const bool other_shape = sc.variant && !same_shape;
  const auto unjudgeable = [same_shape, other_shape](const scenarios::Expectation& e) {
    return other_shape || e.kind == Kind::cookies || (e.kind == Kind::calls && !same_shape);
  };
  for (auto& req : out.requests) {
    std::erase_if(req.expects, unjudgeable);
    for (auto& st : req.steps) std::erase_if(st.expects, unjudgeable);
  }
  return out;
}

std::string not_for_modules(const scenarios::Scenario& sc) {
  for (const auto& req : sc.requests) {
    if (!req.faults.empty()) {
      return "its fault lines test PHP's reaction to a handler's answers, not a module";
    }
  }
  return {};
}

namespace {

/// The run as the model side of compare_with_php ran it: the store's save path, PHP's
/// SessionHandler class as the handler variant; judged with the module's declared guarantees.
base::Result<scenarios::RunHeader> run_header(const scenarios::Scenario& sc,
                                              const PhpModuleUri& module, const ModuleSetup& store,
                                              std::uint64_t seed) {
  scenarios::RunConfig cfg;
  cfg.seed = seed;
  cfg.ini.emplace_back("save_path", store.save_path);
  cfg.variant = model::Variant::sessionhandler;
  auto resolved = scenarios::resolve_options(sc, cfg);
  if (!resolved) return resolved.error();
  scenarios::RunHeader head;
  // Real PHP 8.2 is what the php-8.2 profile models: `expect@php-8.2` lines apply to it.
  head.engine_label = "php-8.2";
  head.engine = model::EngineKind::php82;
  head.handler = module.uri;
  head.variant = resolved->variant;
  head.options = resolved->options;
  head.seed = seed;
  head.guarantees = module.guarantees(head.options);
  head.scenario = &sc;
  // The CLI SAPI keeps no headers: PHP's traces carry no Set-Cookie lines.
  head.set_cookie_observed = false;
  return head;
}

/// An id PHP made itself: the call's prefix, then sid_length characters of the alphabet of
/// sid_bits_per_character (4: 0-9a-f, 5: 0-9a-v, 6: 0-9a-zA-Z,-).
bool php_made(const std::string& id, const std::string& prefix, const model::RunOptions& opts) {
  if (id.rfind(prefix, 0) != 0) return false;
  const std::string rest = id.substr(prefix.size());
  if (static_cast<std::int64_t>(rest.size()) != opts.sid_length) return false;
  const std::string alphabet = opts.sid_bits_per_character == 4 ? "0123456789abcdef"
                               : opts.sid_bits_per_character == 5
                                   ? "0123456789abcdefghijklmnopqrstuv"
                                   : "0123456789abcdefghijklmnopqrstuvwxyz"
                                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ,-";
  return rest.find_first_not_of(alphabet) == std::string::npos;
}

/// session_create_id() outside a session returns an id PHP makes itself (no handler call), from
/// its own random source, so it cannot equal the model's. As the oracle normalises ids, such an id
/// is checked for its form and then counts as the model's id of the same call; an id of another
/// form stays and is reported.
void adopt_php_made_ids(std::vector<Event>& events, const std::vector<nlohmann::json>& model,
                        const model::RunOptions& opts) {
  std::map<std::pair<int, int>, std::string> made;
  for (const auto& m : model) {
    if (m.value("kind", "") == "script" && m.value("name", "") == "session_create_id" &&
        m["result"].is_string()) {
      made[{m.value("request", 0), m.value("step", 0)}] =
          scenarios::json_bytes(m["result"], m.value("bin", false));
    }
  }
  // With a session active the id comes from the handler's create_sid(): nothing to adopt.
  for (const auto& e : events) {
    if (e.kind() == EventKind::handler && e.handler().call.method == model::Method::create_sid) {
      made.erase({e.request, e.step});
    }
  }
  for (auto& e : events) {
    if (e.kind() != EventKind::script) continue;
    scenarios::ScriptEvent& s = e.script();
    if (s.call->op != model::Op::session_create_id) continue;
    const auto it = made.find({e.request, e.step});
    const auto* got = std::get_if<std::string>(&s.outcome.result.v);
    if (it == made.end() || got == nullptr) continue;
    if (php_made(*got, s.call->text.value_or(""), opts)) s.outcome.result = it->second;
  }
}

}  // namespace

base::Result<RealEngineResult> run_real_engine(const scenarios::Scenario& sc,
                                               const PhpModuleUri& module, const ModuleSetup& store,
                                               const OracleSetup& setup, std::uint64_t seed,
                                               const std::vector<scenarios::Listener*>& listeners) {
  if (std::string why = not_for_modules(sc); !why.empty()) {
    RealEngineResult skipped;
    skipped.skipped = std::move(why);
    return skipped;
  }
  const scenarios::Scenario judged = judgeable(sc);
  auto head = run_header(judged, module, store, seed);
  if (!head) return head.error();
  OracleSetup s = setup;
  s.module = store;
  s.php_args = module.php_args();
  scenarios::RunConfig cfg;
  cfg.seed = seed;
  std::string error;
  bool hung = false;
  auto traced = compare_with_php(judged, cfg, s, error, &hung);
  if (!traced && hung) {
    // A module that never answers is the module's failure (progress), not PHP failing to run.
    RealEngineResult stuck;
    stuck.failure =
        scenarios::Failure{sc.name, 0, 0, 0, "progress", "every request finishes", error};
    return stuck;
  }
  if (!traced) return base::error(error);
  auto events = events_from_php(judged, traced->php_raw);
  if (!events) return events.error();
  adopt_php_made_ids(*events, traced->model_raw, head->options);
  scenarios::Judge judge;
  std::vector<scenarios::Listener*> all{&judge};
  all.insert(all.end(), listeners.begin(), listeners.end());
  const Event run = scenarios::run_event(std::move(*head));
  for (auto* l : all) l->on_event(run);
  for (const auto& e : *events) {
    for (auto* l : all) l->on_event(e);
  }
  for (auto* l : all) l->on_finish();
  RealEngineResult result;
  result.php = std::move(traced->php_raw);
  result.failure = judge.first_failure();
  return result;
}

}  // namespace ss::oracle
