#include "sched/race_checks.hpp"

#include <algorithm>
#include <exception>
#include <map>

#include <boost/asio/co_spawn.hpp>

#include "model/codec.hpp"
#include "model/engine_common.hpp"

namespace ss::sched {

using scenarios::Event;
using scenarios::EventKind;
using model::Op;

std::set<std::string> named_ids(const scenarios::Scenario& sc) {
  std::set<std::string> out;
  for (const auto& s : sc.store) out.insert(s.id);
  for (const auto& r : sc.requests) {
    if (r.cookie_mode == scenarios::Request::CookieMode::explicit_id) out.insert(r.cookie);
    for (const auto& st : r.steps) {
      if (st.call.op == Op::session_id && st.call.text) out.insert(*st.call.text);
    }
  }
  return out;
}

Event run_event(const scenarios::Scenario& sc, const ExploreConfig& cfg, const std::string& uri,
                const model::RunOptions& opts, model::Variant variant) {
  Event head;
  head.kind = EventKind::run;
  head.engine = cfg.engine_label;
  head.handler = uri;
  head.variant = std::string(model::variant_name(variant));
  head.ini = opts.to_ini();
  head.seed = cfg.seed;
  head.origin_scenario = &sc;
  return head;
}

namespace {

bool takes_id(model::Method m) {
  using model::Method;
  return m == Method::read || m == Method::write || m == Method::destroy ||
         m == Method::validate_id || m == Method::update_timestamp;
}

/// Session data in a form that does not depend on who encoded it.
std::string canonical(const std::string& data, model::Serializer format) {
  if (data.empty()) return {};
  auto decoded = model::decode_session(data, format);
  if (auto* a = std::get_if<model::Array>(&decoded)) {
    return a->empty() ? std::string() : model::serialize(model::Value{*a});
  }
  return "raw:" + data;
}

handlers::Task<void> read_sessions(handlers::Backend& backend, handlers::ManualClock& clock,
                                   const std::set<std::string>& ids,
                                   std::map<std::string, std::string>& out) {
  handlers::IoPoints plain;
  for (const auto& id : ids) {
    auto h = backend.connect(handlers::RequestEnv{&clock, &plain, 0});
    (void)co_await h->open("", "");
    auto r = co_await h->read(id);
    (void)co_await h->close();
    if (r) out[id] = r.value();
  }
}

}  // namespace

StoreState read_state(boost::asio::io_context& io, handlers::Backend& backend,
                      handlers::ManualClock& clock, const std::vector<Event>& events,
                      const std::set<std::string>& named, const model::RunOptions& opts) {
  std::set<std::string> ids(named);
  for (const auto& e : events) {
    if (e.kind != EventKind::handler) continue;
    if (takes_id(e.hcall.method) && !e.hcall.args.empty()) ids.insert(e.hcall.args[0]);
    if (e.hcall.method == model::Method::create_sid && e.answer.kind == model::Answer::Kind::string) {
      ids.insert(e.answer.s);
    }
  }
  std::map<std::string, std::string> raw;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, read_sessions(backend, clock, ids, raw),
                        [&](std::exception_ptr p) { failure = p; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
  StoreState state;
  for (const auto& [id, data] : raw) {
    std::string c = canonical(data, opts.serialize_handler);
    if (named.count(id)) {
      state.named[id] = c;
    } else if (!c.empty()) {
      state.anonymous.insert(c);
    }
  }
  return state;
}

std::string StoreState::show() const {
  std::string out = "{";
  for (const auto& [id, data] : named) {
    out += (out.size() > 1 ? ", " : "") + id + ": " + (data.empty() ? "(none)" : data);
  }
  for (const auto& data : anonymous) out += (out.size() > 1 ? ", " : "") + ("new: " + data);
  return out + "}";
}

std::vector<std::vector<int>> serial_orders(
    const std::vector<std::vector<const scenarios::Request*>>& batches, const scenarios::Scenario&) {
  constexpr std::size_t orders_max = 720;
  std::vector<std::vector<int>> orders{{}};
  int next = 0;
  for (const auto& batch : batches) {
    std::vector<int> ids;
    for (std::size_t i = 0; i < batch.size(); ++i) ids.push_back(next++);
    std::vector<std::vector<int>> grown;
    for (const auto& prefix : orders) {
      std::vector<int> perm = ids;
      do {
        if (grown.size() >= orders_max) break;
        std::vector<int> o = prefix;
        o.insert(o.end(), perm.begin(), perm.end());
        grown.push_back(std::move(o));
      } while (std::next_permutation(perm.begin(), perm.end()));
    }
    orders = std::move(grown);
  }
  return orders;
}

void check_progress(ScheduleRun& run) {
  if (run.sched.end == RunEnd::finished) return;
  std::map<int, std::string> lanes;
  for (const auto& e : run.events) {
    if (e.kind == EventKind::request) lanes[e.request - 1] = e.lane;
  }
  std::string detail = run.sched.end == RunEnd::deadlock ? "deadlock:" : "step budget exhausted:";
  for (const auto& w : run.sched.waits) {
    const std::string lane = lanes.count(w.task) ? lanes[w.task] : "task " + std::to_string(w.task);
    detail += " " + lane + (w.blocked ? " blocked at '" : " at '") + w.what + "';";
  }
  run.violations.push_back({"progress", true, detail});
}

namespace {

bool reloads(Op op) {
  // Calls after which $_SESSION legitimately holds what the store (or the engine) gave it.
  return op == Op::session_start || op == Op::session_reset || op == Op::session_destroy ||
         op == Op::session_abort;
}

bool mutates(Op op) {
  return op == Op::set || op == Op::unset || op == Op::incr || op == Op::push ||
         op == Op::session_unset;
}

std::string show_session(const std::optional<model::Array>& s) {
  return s ? model::show(model::Value{*s}) : std::string("unset");
}

/// What one request's $_SESSION must be, from its own calls alone.
struct LaneView {
  bool known = false;
  bool active = false;
  std::optional<model::Array> view;
};

std::optional<std::string> isolation_breach(LaneView& lv, const Event& e) {
  const Op op = e.call->op;
  std::optional<std::string> breach;
  if (lv.known && !reloads(op)) {
    std::optional<model::Array> want = lv.view;
    model::Outcome expected;
    if (mutates(op) || op == Op::get) expected = model::apply_array_op(*e.call, lv.active, want);
    if (want != e.session) {
      breach = "expected $_SESSION " + show_session(want) + ", saw " + show_session(e.session);
    } else if (op == Op::get && !(expected.result == e.outcome.result)) {
      breach = "read " + model::show(e.outcome.result) + " where its own session holds " +
               model::show(expected.result);
    }
  }
  lv.known = true;
  lv.active = e.status == model::Status::active;
  lv.view = e.session;
  return breach;
}

}  // namespace

void check_isolation(ScheduleRun& run) {
  std::map<int, LaneView> lanes;
  for (const auto& e : run.events) {
    if (e.kind != EventKind::script || e.call == nullptr) continue;
    if (auto breach = isolation_breach(lanes[e.request], e)) {
      run.violations.push_back({"isolation", true,
                                "request " + e.lane + ", step " + std::to_string(e.step) + " (" +
                                    std::string(model::op_name(e.call->op)) + "): " + *breach});
      return;
    }
  }
}

void check_set_cookie(ScheduleRun& run) {
  std::map<int, std::optional<std::string>> incoming;
  std::map<int, bool> started;
  for (const auto& e : run.events) {
    if (e.kind == EventKind::request) incoming[e.request] = e.cookie;
    if (e.kind == EventKind::script && e.call && e.call->op == Op::session_start &&
        e.outcome.result == model::Value{true}) {
      started[e.request] = true;
    }
    if (e.kind != EventKind::response) continue;
    const auto& in = incoming[e.request];
    const std::size_t n = e.set_cookies.size();
    const std::string who = "request " + e.lane + ": ";
    if (!in && started[e.request] && n == 0) {
      run.violations.push_back({"set-cookie", true, who + "a first visit started a session "
                                                          "but the response has no Set-Cookie"});
    } else if (!in && n > 1) {
      run.violations.push_back({"set-cookie", false, who + std::to_string(n) +
                                                          " Set-Cookie lines on a first visit"});
    } else if (in && !e.id.empty() && e.id != *in && n == 0) {
      run.violations.push_back({"set-cookie", true, who + "the session id changed to " + e.id +
                                                          " but no Set-Cookie was sent"});
    } else if (in && e.id == *in && n > 0) {
      run.violations.push_back({"set-cookie", false, who + "a returning visitor got a Set-Cookie "
                                                          "for an unchanged id (refresh)"});
    }
  }
}

namespace {

/// The keys each concurrent request writes; "*" when it replaces or drops the whole session.
std::vector<std::set<std::string>> written_keys(const scenarios::Scenario& sc) {
  std::map<int, int> batch_size;
  for (const auto& r : sc.requests) ++batch_size[r.batch];
  std::vector<std::set<std::string>> out;
  for (const auto& r : sc.requests) {
    if (batch_size[r.batch] < 2) continue;
    std::set<std::string> keys;
    for (const auto& st : r.steps) {
      const Op op = st.call.op;
      if (op == Op::set || op == Op::unset || op == Op::incr || op == Op::push) {
        keys.insert(model::show(st.call.key));
      } else if (op == Op::session_unset || op == Op::session_destroy ||
                 op == Op::session_regenerate_id) {
        keys.insert("*");
      }
    }
    out.push_back(std::move(keys));
  }
  return out;
}

bool pairwise_disjoint(const std::vector<std::set<std::string>>& sets) {
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (std::size_t j = i + 1; j < sets.size(); ++j) {
      if (sets[i].count("*") && !sets[j].empty()) return false;
      if (sets[j].count("*") && !sets[i].empty()) return false;
      for (const auto& k : sets[i]) {
        if (sets[j].count(k)) return false;
      }
    }
  }
  return true;
}

}  // namespace

void check_serializable(ScheduleRun& run, const std::vector<StoreState>& serial,
                        const scenarios::Scenario& sc, const handlers::Guarantees& g) {
  if (serial.empty() || !run.final_state) return;
  if (std::find(serial.begin(), serial.end(), *run.final_state) != serial.end()) return;
  const auto keys = written_keys(sc);
  bool removes = false;
  for (const auto& k : keys) removes = removes || k.count("*") > 0;
  for (const auto& r : sc.requests) {
    for (const auto& st : r.steps) removes = removes || st.call.op == Op::unset;
  }
  Violation v;
  v.property = removes ? "no-resurrection" : "lost-update";
  switch (g.concurrency) {
    case handlers::Concurrency::serialised: v.failure = true; break;
    case handlers::Concurrency::merge_disjoint_keys: v.failure = pairwise_disjoint(keys); break;
    case handlers::Concurrency::last_writer_wins: v.failure = false; break;
  }
  v.detail = "final store " + run.final_state->show() + " is what no serial order gives:";
  for (const auto& s : serial) v.detail += " " + s.show();
  v.detail += " (handler declares " + std::string(handlers::concurrency_name(g.concurrency)) + ")";
  run.violations.push_back(std::move(v));
}

void check_strict_mode(ScheduleRun& run, const scenarios::Scenario& sc,
                       const model::RunOptions& opts) {
  if (!opts.use_strict_mode) return;
  std::set<std::string> chosen = named_ids(sc);
  for (const auto& s : sc.store) chosen.erase(s.id);
  for (const auto& e : run.events) {
    if (e.kind == EventKind::handler && e.hcall.method == model::Method::create_sid &&
        e.answer.kind == model::Answer::Kind::string) {
      chosen.erase(e.answer.s);
    }
    if (e.kind != EventKind::response || !e.origin_request) continue;
    const auto& req = *e.origin_request;
    if (req.cookie_mode != scenarios::Request::CookieMode::explicit_id) continue;
    if (chosen.count(req.cookie) && e.id == req.cookie) {
      run.violations.push_back({"strict-mode", true, "request " + e.lane +
                                                         " adopted the never-issued id '" +
                                                         req.cookie + "' from its cookie"});
      return;
    }
  }
}

}  // namespace ss::sched
