#include "oracle/real_engine.hpp"

#include <map>
#include <set>

#include "oracle/php_events.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"

namespace ss::oracle {

using nlohmann::json;
using scenarios::Event;
using scenarios::EventKind;

scenarios::Scenario judgeable(const scenarios::Scenario& sc, model::Variant run_variant) {
  using Kind = scenarios::Expectation::Kind;
  scenarios::Scenario out = sc;
  // A scenario that pins another shape describes that shape's results: none of its lines is
  // judged. Plain `expect calls` lines are the judge's business: it judges them only under the
  // variant they describe.
  const bool other_shape = sc.variant && *sc.variant != run_variant;
  const auto unjudgeable = [other_shape](const scenarios::Expectation& e) {
    return other_shape || e.kind == Kind::cookies;
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

/// The run as the model side of compare_with_php ran it: the store's save path, the handler
/// shape PHP saw (a SessionHandler subclass over a module, a user class's own); judged with the
/// module's declared guarantees.
base::Result<scenarios::RunHeader> run_header(const scenarios::Scenario& sc,
                                              const PhpModuleUri& module, const ModuleSetup& store,
                                              std::uint64_t seed) {
  scenarios::RunConfig cfg;
  cfg.seed = seed;
  cfg.ini.emplace_back("save_path", store.save_path);
  cfg.variant = store.variant;
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

/// Replaces every occurrence of a key of `names` in the strings of `j` (recursively) by its
/// value: an id is a whole string in calls and states, and part of one in `SID`
/// ("PHPSESSID=ID"). The keys are PHP-made random ids, which no other text contains by chance.
void rename_strings(json& j, const std::map<std::string, std::string>& names) {
  if (j.is_string()) {
    std::string text = j.get<std::string>();
    bool renamed = false;
    for (const auto& [from, to] : names) {
      if (from.empty()) continue;  // php_made() never names an empty id; no endless search.
      for (auto at = text.find(from); at != std::string::npos;
           at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
        renamed = true;
      }
    }
    if (renamed) j = std::move(text);
  } else if (j.is_structured()) {
    for (auto& child : j) rename_strings(child, names);
  }
}

/// The handler lines of `trace` per request, in order.
std::map<int, std::vector<const json*>> handler_lines(const std::vector<json>& trace) {
  std::map<int, std::vector<const json*>> out;
  for (const auto& line : trace) {
    if (line.value("kind", "") == "handler") out[line.value("request", 0)].push_back(&line);
  }
  return out;
}

/// A handler without create_sid (`basic`, `no-create-sid`: Laravel's and Symfony's shapes) gets
/// its new session ids from PHP's own random source, so they cannot equal the model's. As the
/// oracle normalises ids, an id of PHP's form that the k-th handler call of a request names where
/// the model's k-th call names another is renamed to the model's, everywhere in PHP's trace (the
/// calls, results, states and cookies of later requests). An id of another form stays and is
/// reported; a handler with create_sid makes its ids itself, and the model takes them.
void adopt_php_made_session_ids(std::vector<json>& php, const std::vector<json>& model,
                                const model::RunOptions& opts, model::Variant variant) {
  if (model::capabilities_of(variant).create_sid) return;
  const auto theirs = handler_lines(php);
  const auto ours = handler_lines(model);
  std::map<std::string, std::string> names;
  std::set<std::string> taken;
  for (const auto& [request, calls] : theirs) {
    const auto it = ours.find(request);
    if (it == ours.end()) continue;
    for (std::size_t k = 0; k < calls.size() && k < it->second.size(); ++k) {
      const json& p = *calls[k];
      const json& m = *it->second[k];
      if (p.value("name", "") != m.value("name", "") || p.value("name", "") == "open") continue;
      const json& pa = p["args"];
      const json& ma = m["args"];
      if (!pa.is_array() || !ma.is_array() || pa.empty() || ma.empty() || !pa[0].is_string() ||
          !ma[0].is_string()) {
        continue;
      }
      const std::string php_id = pa[0].get<std::string>(), model_id = ma[0].get<std::string>();
      if (php_id == model_id || names.count(php_id) || taken.count(model_id)) continue;
      // The model made its id at the same point with the sid_length in force then (a script
      // may have changed it with ini_set): PHP's id has that length.
      model::RunOptions now = opts;
      now.sid_length = static_cast<std::int64_t>(model_id.size());
      if (!php_made(php_id, "", now)) continue;
      names[php_id] = model_id;
      taken.insert(model_id);
    }
  }
  if (names.empty()) return;
  for (auto& line : php) rename_strings(line, names);
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
  const scenarios::Scenario judged = judgeable(sc, store.variant);
  // A user class's store is new for every scenario (the modules' stores are emptied instead).
  const ModuleSetup used = module.user_class ? fresh_class_store(store) : store;
  auto head = run_header(judged, module, used, seed);
  if (!head) return head.error();
  OracleSetup s = setup;
  s.module = used;
  s.php_args = module.php_args();
  s.env = module.php_env(setup.work_dir);
  s.model_expiry = head->guarantees.store.expiry;
  s.model_ttl_s = head->guarantees.store.ttl_s;
  // Each request of a user class is a PHP process of its own, as under PHP-FPM: no handler
  // object or static state outlives its request.
  if (module.user_class) s.worker = nullptr;
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
  unwrap_proxy_names(traced->php_raw);
  adopt_php_made_session_ids(traced->php_raw, traced->model_raw, head->options, used.variant);
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
