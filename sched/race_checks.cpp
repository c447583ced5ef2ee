#include "sched/race_checks.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <exception>
#include <map>

#include "model/codec.hpp"
#include "model/engine.hpp"

namespace ss::sched {

using model::Op;
using scenarios::Event;
using scenarios::EventKind;

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

std::set<std::string> client_ids(const scenarios::Scenario& sc) {
  std::set<std::string> out = named_ids(sc);
  for (const auto& s : sc.store) out.erase(s.id);
  return out;
}

std::vector<std::vector<const scenarios::Request*>> batches_of(const scenarios::Scenario& sc) {
  std::vector<std::vector<const scenarios::Request*>> out;
  int last = -1;
  for (const auto& r : sc.requests) {
    if (out.empty() || r.batch != last) out.emplace_back();
    out.back().push_back(&r);
    last = r.batch;
  }
  return out;
}

int SerialOrder::choose(const std::vector<int>& ready, int current, std::size_t) {
  for (int t : order_) {
    if (std::find(ready.begin(), ready.end(), t) != ready.end()) return t;
  }
  return default_choice(ready, current);
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

void run_plain(boost::asio::io_context& io, handlers::Task<void> task) {
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr p) { failure = p; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
}

// ---- the stored state after a run ------------------------------------------------------------

const std::string& CanonicalCache::get(const std::string& data) {
  if (auto it = entries_.find(data); it != entries_.end()) return it->second;
  std::string c;
  if (!data.empty()) {
    auto decoded = model::decode_session(data, format_);
    if (auto* a = std::get_if<model::Array>(&decoded)) {
      if (!a->empty()) c = model::serialize(model::Value{*a});
    } else {
      c = "raw:" + data;
    }
  }
  if (entries_.size() >= entries_max) {
    uncached_ = std::move(c);
    return uncached_;
  }
  return entries_.emplace(data, std::move(c)).first->second;
}

namespace {

handlers::Task<void> read_sessions(handlers::Backend& backend, handlers::ManualClock& clock,
                                   const std::vector<std::string>& ids,
                                   const std::set<std::string>& named, CanonicalCache& canonical,
                                   StoreState& state) {
  handlers::IoPoints plain;
  for (const auto& id : ids) {
    auto h = backend.connect(handlers::RequestEnv{&clock, &plain, 0});
    (void)co_await h->open("", "");
    auto r = co_await h->read(id);
    (void)co_await h->close();
    if (!r) continue;
    const std::string& c = canonical.get(r.value());
    if (named.count(id)) {
      state.named.emplace(id, c);
    } else if (!c.empty()) {
      state.anonymous.insert(c);
    }
  }
}

}  // namespace

StoreState read_state(boost::asio::io_context& io, handlers::Backend& backend,
                      handlers::ManualClock& clock, const std::vector<std::string>& ids,
                      const std::set<std::string>& named, CanonicalCache& canonical) {
  StoreState state;
  run_plain(io, read_sessions(backend, clock, ids, named, canonical, state));
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
    const std::vector<std::vector<const scenarios::Request*>>& batches,
    const scenarios::Scenario&) {
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

SerialOutcomes describe_serial(std::vector<StoreState> states, const scenarios::Scenario& sc) {
  SerialOutcomes out;
  const auto keys = written_keys(sc);
  bool removes = false;
  for (const auto& k : keys) removes = removes || k.count("*") > 0;
  for (const auto& r : sc.requests) {
    for (const auto& st : r.steps) removes = removes || st.call.op == Op::unset;
  }
  out.property = removes ? "no-resurrection" : "lost-update";
  out.disjoint_keys = pairwise_disjoint(keys);
  for (const auto& s : states) out.shown += " " + s.show();
  out.states = std::move(states);
  return out;
}

// ---- the checkers ----------------------------------------------------------------------------

namespace {

bool takes_id(model::Method m) {
  using model::Method;
  return m == Method::read || m == Method::write || m == Method::destroy ||
         m == Method::validate_id || m == Method::update_timestamp;
}

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

}  // namespace

RunJudge::Lane& RunJudge::lane(int request) {
  const auto i = static_cast<std::size_t>(std::max(request, 1) - 1);
  if (lanes_.size() <= i) lanes_.resize(i + 1);
  return lanes_[i];
}

void RunJudge::dispatch(const Event& e, std::optional<model::Array>* session) {
  switch (e.kind) {
    case EventKind::request: {
      Lane& l = lane(e.request);
      l.name = e.lane;
      l.cookie = e.cookie;
      break;
    }
    case EventKind::script:
      if (e.call != nullptr) observe_script(lane(e.request), e, session);
      break;
    case EventKind::handler:
      if (takes_id(e.hcall.method) && !e.hcall.args.empty()) ids_.push_back(e.hcall.args[0]);
      if (e.hcall.method == model::Method::create_sid &&
          e.answer.kind == model::Answer::Kind::string) {
        ids_.push_back(e.answer.s);
        issued_.push_back(e.answer.s);
      }
      break;
    case EventKind::response: observe_response(lane(e.request), e); break;
    case EventKind::run: break;
  }
}

void RunJudge::observe_script(Lane& l, const Event& e, std::optional<model::Array>* session) {
  const Op op = e.call->op;
  if (op == Op::session_start && e.outcome.result == model::Value{true}) l.started = true;
  if (!isolation_ && l.known && !reloads(op)) {
    std::optional<std::string> breach;
    const bool computes = mutates(op) || op == Op::get;
    // Only a call that changes or reads $_SESSION needs the expected view computed; for the
    // others it is the previous view itself.
    std::optional<model::Array> computed;
    model::Outcome expected;
    if (computes) {
      computed = l.view;
      expected = model::apply_array_op(*e.call, l.active, computed);
    }
    const std::optional<model::Array>& want = computes ? computed : l.view;
    if (want != e.session) {
      breach = "expected $_SESSION " + show_session(want) + ", saw " + show_session(e.session);
    } else if (op == Op::get && !(expected.result == e.outcome.result)) {
      breach = "read " + model::show(e.outcome.result) + " where its own session holds " +
               model::show(expected.result);
    }
    if (breach) {
      isolation_ = Violation{"isolation", true,
                             "request " + e.lane + ", step " + std::to_string(e.step) + " (" +
                                 std::string(model::op_name(op)) + "): " + *breach};
    }
  }
  l.known = true;
  l.active = e.status == model::Status::active;
  if (session != nullptr) {
    l.view = std::move(*session);
  } else {
    l.view = e.session;
  }
}

void RunJudge::observe_response(Lane& l, const Event& e) {
  const auto& in = l.cookie;
  const std::size_t n = e.set_cookies.size();
  auto add = [&](bool failure, const std::string& what) {
    set_cookie_.push_back({"set-cookie", failure, "request " + e.lane + ": " + what});
  };
  if (!in && l.started && n == 0) {
    add(true, "a first visit started a session but the response has no Set-Cookie");
  } else if (!in && n > 1) {
    add(false, std::to_string(n) + " Set-Cookie lines on a first visit");
  } else if (in && !e.id.empty() && e.id != *in && n == 0) {
    add(true, "the session id changed to " + e.id + " but no Set-Cookie was sent");
  } else if (in && e.id == *in && n > 0) {
    add(false, "a returning visitor got a Set-Cookie for an unchanged id (refresh)");
  }
  if (!strict_ || strict_mode_ || e.origin_request == nullptr) return;
  const auto& req = *e.origin_request;
  if (req.cookie_mode != scenarios::Request::CookieMode::explicit_id) return;
  const bool issued = std::find(issued_.begin(), issued_.end(), req.cookie) != issued_.end();
  if (client_ids_.count(req.cookie) && !issued && e.id == req.cookie) {
    strict_mode_ = Violation{
        "strict-mode", true,
        "request " + e.lane + " adopted the never-issued id '" + req.cookie + "' from its cookie"};
  }
}

std::vector<std::string> RunJudge::touched_ids() const {
  std::vector<std::string> ids(named_.begin(), named_.end());
  ids.insert(ids.end(), ids_.begin(), ids_.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

void RunJudge::finish(ScheduleRun& run, const SerialOutcomes& serial,
                      const handlers::Guarantees& g) {
  if (run.sched.end != RunEnd::finished) {
    std::string detail = run.sched.end == RunEnd::deadlock ? "deadlock:" : "step budget exhausted:";
    for (const auto& w : run.sched.waits) {
      const auto i = static_cast<std::size_t>(w.task);
      const std::string name = i < lanes_.size() && !lanes_[i].name.empty()
                                   ? lanes_[i].name
                                   : "task " + std::to_string(w.task);
      detail += " " + name + (w.blocked ? " blocked at '" : " at '") + w.what + "';";
    }
    run.violations.push_back({"progress", true, detail});
  }
  if (isolation_) run.violations.push_back(std::move(*isolation_));
  for (auto& v : set_cookie_) run.violations.push_back(std::move(v));
  if (strict_mode_) run.violations.push_back(std::move(*strict_mode_));
  if (serial.states.empty() || !run.final_state) return;
  const auto& states = serial.states;
  if (std::find(states.begin(), states.end(), *run.final_state) != states.end()) return;
  Violation v;
  v.property = serial.property;
  switch (g.concurrency) {
    case handlers::Concurrency::serialised: v.failure = true; break;
    case handlers::Concurrency::merge_disjoint_keys: v.failure = serial.disjoint_keys; break;
    case handlers::Concurrency::last_writer_wins: v.failure = false; break;
  }
  v.detail = "final store " + run.final_state->show() +
             " is what no serial order gives:" + serial.shown + " (handler declares " +
             std::string(handlers::concurrency_name(g.concurrency)) + ")";
  run.violations.push_back(std::move(v));
}

}  // namespace ss::sched
