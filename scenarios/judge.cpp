#include "scenarios/judge.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "base/assert.hpp"
#include "model/codec.hpp"
#include "model/engine.hpp"
#include "model/proc.hpp"

namespace ss::scenarios {

using model::Method;
using model::Op;

namespace {

/// A failure's expected or actual text, shortened in the middle when a session of megabytes
/// (the generators' sized values) would otherwise fill a terminal, a report and a JUnit file.
std::string shortened(const std::string& text) {
  constexpr std::size_t shown_bytes_max = 600;
  constexpr std::size_t tail_bytes = 100;
  if (text.size() <= shown_bytes_max) return text;
  const std::size_t head_bytes = shown_bytes_max - tail_bytes;
  return text.substr(0, head_bytes) + " ... (" + std::to_string(text.size()) + " bytes) ... " +
         text.substr(text.size() - tail_bytes);
}

}  // namespace

std::string Failure::str() const {
  std::string out = "scenario " + scenario + ", request " + std::to_string(request) + ", step " +
                    std::to_string(step);
  if (line > 0) out += " (line " + std::to_string(line) + ")";
  out += ": " + shortened(what) + "\n  expected: " + shortened(expected) +
         "\n  actual:   " + shortened(actual);
  return out;
}

namespace {

std::string show_session(const std::optional<model::Array>& s) {
  return s ? model::show(model::Value{*s}) : std::string("unset");
}

std::string show_outcome(const model::Outcome& o) {
  std::string out = o.thrown ? "throws " + *o.thrown : model::show(o.result);
  for (const auto& d : o.diagnostics) {
    out += " [" + std::string(model::level_name(d.level)) + ": " + d.message + "]";
  }
  return out;
}

std::string show_status(model::Status s) {
  return s == model::Status::active ? "active" : "none";
}

std::string show_cookies(const std::vector<std::string>& cookies) {
  std::string out = "[";
  for (const auto& c : cookies) out += (out.size() > 1 ? ", " : "") + model::show(model::Value{c});
  return out + "]";
}

bool same_outcome(const model::Outcome& a, const model::Outcome& b) {
  return a.result == b.result && a.thrown == b.thrown && a.diagnostics == b.diagnostics;
}

/// Calls that change nothing in a correct store: judged with StoreModel::answer(), which
/// (unlike observe()) formats the expected answer only when it is needed for a message.
bool has_no_effect(Method m) {
  return m == Method::open || m == Method::close || m == Method::read || m == Method::validate_id;
}

bool takes_id(Method m) {
  return m == Method::read || m == Method::write || m == Method::destroy ||
         m == Method::validate_id || m == Method::update_timestamp;
}

std::string_view scenario_of(const RunHeader* h) {
  return h != nullptr && h->scenario != nullptr ? std::string_view(h->scenario->name)
                                                : std::string_view();
}

}  // namespace

// ---- conformance: the reference store and the shadow engine ---------------------------------

class Judge::Conformance final : public Listener {
 public:
  void on_event(const Event& e) override {
    switch (e.kind()) {
      case EventKind::run: start(e.run_shared()); return;
      case EventKind::handler: call(e); return;
      case EventKind::fault: crashed(e); return;
      default:
        complete();
        open(e);
        return;
    }
  }
  void on_finish() override { complete(); }
  [[nodiscard]] const std::optional<Failure>& failure() const { return failure_; }
  [[nodiscard]] const model::StoreModel& store() const { return store_; }

 private:
  /// A run of one engine procedure: the event that began it (request, script or response), the
  /// shadow engine's replay of it, and what the head showed the script.
  struct Group {
    // A user-provided constructor: clang 14 otherwise judges the nested type not yet
    // default-constructible when std::optional<Group> is instantiated inside this class.
    Group() {}
    int request = 0;
    int step = 0;
    int line = 0;
    EventKind kind = EventKind::request;
    std::optional<model::Machine<model::Outcome>> machine;
    Event::Payload head;
  };

  void start(std::shared_ptr<const RunHeader> h);
  void call(const Event& e);
  /// A crashed request makes no further call: its procedure in progress is not missing calls.
  void crashed(const Event& e) {
    if (e.fault().kind != handlers::FaultKind::crash) return;
    if (group_ && group_->request == e.request) group_.reset();
    shadows_.erase(e.request);
  }
  void open(const Event& e);
  void complete();
  bool judge_answer(const Event& at, const HandlerEvent& h, const model::Answer* preset);
  void compare(const Group& g, model::Outcome want, const model::Engine& shadow);
  void fail(int request, int step, int line, std::string what, std::string expected,
            std::string actual);

  std::shared_ptr<const RunHeader> header_;
  model::StoreModel store_;
  std::optional<model::Rng> rng_;
  /// The shadow engine of each request that has begun and not yet ended.
  std::map<int, std::unique_ptr<model::Engine>> shadows_;
  std::optional<Group> group_;
  std::optional<Failure> failure_;
};

void Judge::Conformance::start(std::shared_ptr<const RunHeader> head) {
  header_ = std::move(head);
  const RunHeader& h = *header_;
  store_ = model::StoreModel(h.guarantees.store);
  if (h.scenario != nullptr) {
    for (const auto& s : h.scenario->store) {
      store_.put(s.id, s.data, h.scenario->clock_start_s - s.age_s);
    }
  }
  rng_.emplace(h.seed);
  shadows_.clear();
  group_.reset();
  failure_.reset();
}

void Judge::Conformance::fail(int request, int step, int line, std::string what,
                              std::string expected, std::string actual) {
  if (failure_) return;
  failure_ = Failure{std::string(scenario_of(header_.get())),
                     request,
                     step,
                     line,
                     std::move(what),
                     std::move(expected),
                     std::move(actual)};
}

// A wrong answer is the handler's failure; a right one is applied to the store. An injected
// answer is the scenario's, not the handler's: nothing to judge, and the store did not change
// (the handler was not asked, or it was open/close, which change nothing). Where PHP's
// SessionHandler answers itself (`preset`), an exception must be that exception, and an id from
// its create_sid must be fresh and as long as PHP makes them (session.sid_length).
bool Judge::Conformance::judge_answer(const Event& at, const HandlerEvent& h,
                                      const model::Answer* preset) {
  if (h.answer.injected) return true;
  std::string expected;
  if (preset != nullptr && preset->kind != model::Answer::Kind::string) {
    if (preset->same_for_php(h.answer)) return true;
    expected = model::show(*preset);
  } else if (has_no_effect(h.call.method)) {
    store_.learn_odd_id(h.call, h.answer);
    const model::Answer want = store_.answer(h.call, h.now_s, {});
    if (want.same_for_php(h.answer)) return true;
    expected = model::show(want);
  } else {
    model::Judgement j = store_.observe(h.call, h.answer, h.now_s);
    if (j.ok && preset != nullptr && h.answer.s.size() != preset->s.size()) {
      j = {false, "a fresh id of " + std::to_string(preset->s.size()) +
                      " characters (SessionHandler::create_sid follows session.sid_length)"};
    }
    if (j.ok) return true;
    expected = std::move(j.expected);
  }
  fail(at.request, at.step, 0, "handler answer to " + model::show(h.call), std::move(expected),
       model::show(h.answer));
  return false;
}

// Handler calls are judged as they arrive, in the order they happened: the shadow engine must
// ask for exactly this call, and the store must give this answer.
void Judge::Conformance::call(const Event& e) {
  SS_ASSERT(header_ != nullptr, "a handler event before the run event");
  if (failure_) return;
  const HandlerEvent& h = e.handler();
  if (e.request == 0) {
    (void)judge_answer(e, h, nullptr);
    return;
  }
  if (!group_ || group_->request != e.request || group_->step != e.step) {
    fail(e.request, e.step, 0, "a handler call outside its script call",
         "calls after the script event of their step", model::show(h.call));
    return;
  }
  model::Machine<model::Outcome>& m = *group_->machine;
  const model::HandlerCall* want = m.pending();
  if (want == nullptr) {
    fail(e.request, e.step, 0, "an unexpected handler call", "no further call",
         model::show(h.call));
    return;
  }
  if (!(*want == h.call)) {
    fail(e.request, e.step, 0, "a different handler call", model::show(*want), model::show(h.call));
    return;
  }
  if (!judge_answer(e, h, m.preset())) return;
  // The judged answer is the store's own as far as PHP can tell (Answer::same_for_php: only a
  // failure's reason may differ, and engines never look at it), and for create_sid it is the id
  // the store has just accepted as unused; so it is what the shadow engine gets.
  m.resume(h.answer);
}

void Judge::Conformance::open(const Event& e) {
  SS_ASSERT(header_ != nullptr, "an event before the run event");
  if (failure_) return;
  const RunHeader& h = *header_;
  if (e.kind() == EventKind::request) {
    // session_set_save_handler's register_shutdown and the URL's id are the scenario's.
    const Request* req = h.scenario != nullptr ? request_at(*h.scenario, e.request) : nullptr;
    model::RequestContext ctx{h.options, h.variant, e.request_event().cookie,
                              req == nullptr || req->register_shutdown,
                              req != nullptr ? req->query : std::nullopt};
    shadows_[e.request] = model::make_engine(h.engine, ctx, *rng_);
  }
  const auto lane = shadows_.find(e.request);
  if (lane == shadows_.end()) {
    fail(e.request, e.step, 0, "an event outside a request", "a request event first",
         std::string(event_kind_name(e.kind())));
    return;
  }
  model::Engine& shadow = *lane->second;
  group_.emplace();
  Group& g = *group_;
  g.request = e.request;
  g.step = e.step;
  g.kind = e.kind();
  if (g.kind == EventKind::script && h.scenario != nullptr) {
    if (const Step* st = step_at(*h.scenario, e.request, e.step)) g.line = st->line;
  }
  g.machine.emplace(g.kind == EventKind::request  ? shadow.begin_request()
                    : g.kind == EventKind::script ? shadow.script(*e.script().call)
                                                  : shadow.end_request());
  g.machine->start();
  if (g.kind != EventKind::request) g.head = e.payload;
}

void Judge::Conformance::complete() {
  if (!group_) return;
  Group& g = *group_;
  if (!failure_) {
    model::Machine<model::Outcome>& m = *g.machine;
    if (!m.done()) {
      fail(g.request, g.step, g.line, "a missing handler call", model::show(*m.pending()), "none");
    } else if (g.kind != EventKind::request) {
      compare(g, m.result(), *shadows_.at(g.request));
    }
  }
  if (g.kind == EventKind::response) shadows_.erase(g.request);
  group_.reset();
}

// What the script saw must be what the shadow engine shows: the result, then the session's
// state, then (at the end of a request) the Set-Cookie lines.
void Judge::Conformance::compare(const Group& g, model::Outcome want, const model::Engine& shadow) {
  const bool script = g.kind == EventKind::script;
  const model::Outcome& got =
      script ? std::get<ScriptEvent>(g.head).outcome : std::get<ResponseEvent>(g.head).outcome;
  const SessionState& state =
      script ? std::get<ScriptEvent>(g.head).state : std::get<ResponseEvent>(g.head).state;
  auto fail_here = [&](std::string what, std::string expected, std::string actual) {
    fail(g.request, g.step, g.line, std::move(what), std::move(expected), std::move(actual));
  };
  if (!same_outcome(want, got)) {
    fail_here("script result", show_outcome(want), show_outcome(got));
  } else if (shadow.status() != state.status) {
    fail_here("session_status()", show_status(shadow.status()), show_status(state.status));
  } else if (shadow.session_id() != state.id) {
    fail_here("session_id()", model::show(model::Value{shadow.session_id()}),
              model::show(model::Value{state.id}));
  } else if (shadow.session() != state.session) {
    fail_here("$_SESSION", show_session(shadow.session()), show_session(state.session));
  } else if (!script && header_->set_cookie_observed) {
    const auto& cookies = std::get<ResponseEvent>(g.head).set_cookies;
    if (shadow.set_cookies() != cookies) {
      fail_here("Set-Cookie", show_cookies(shadow.set_cookies()), show_cookies(cookies));
    }
  }
}

// ---- expectations ------------------------------------------------------------------------------

class Judge::Expectations final : public Listener {
 public:
  void on_event(const Event& e) override;
  void on_finish() override { settle(); }
  [[nodiscard]] const std::vector<Failure>& failures() const { return failures_; }

 private:
  /// What an expectation looks at: the script event of its step (or the response).
  struct Seen {
    int request = 0;
    int step = 0;
    model::Outcome outcome;
    SessionState state;
    std::size_t set_cookies = 0;
  };
  void settle();
  void judge(const Expectation& x, const Seen& seen, const std::vector<std::string>& calls);

  std::shared_ptr<const RunHeader> header_;
  /// The last script event with expectations, judged when its handler calls are known.
  std::optional<Seen> pending_;
  const Step* pending_step_ = nullptr;
  std::vector<std::string> calls_;
  std::vector<Failure> failures_;
};

void Judge::Expectations::on_event(const Event& e) {
  if (e.kind() == EventKind::fault) return;
  if (e.kind() == EventKind::handler) {
    calls_.emplace_back(model::method_name(e.handler().call.method));
    return;
  }
  settle();
  if (e.kind() == EventKind::run) {
    header_ = e.run_shared();
    failures_.clear();
    return;
  }
  const Scenario* sc = header_ != nullptr ? header_->scenario : nullptr;
  if (sc == nullptr) return;
  if (e.kind() == EventKind::script) {
    const Step* st = step_at(*sc, e.request, e.step);
    if (st == nullptr || st->expects.empty()) return;
    pending_ = Seen{e.request, e.step, e.script().outcome, e.script().state, 0};
    pending_step_ = st;
  } else if (e.kind() == EventKind::response) {
    const Request* req = request_at(*sc, e.request);
    if (req == nullptr || req->expects.empty()) return;
    const ResponseEvent& r = e.response();
    const Seen seen{e.request, e.step, r.outcome, r.state, r.set_cookies.size()};
    for (const auto& x : req->expects) judge(x, seen, {});
  }
}

void Judge::Expectations::settle() {
  if (pending_) {
    for (const auto& x : pending_step_->expects) judge(x, *pending_, calls_);
  }
  pending_.reset();
  calls_.clear();
}

namespace {

/// `expect@VARIANT` lines apply under their variants; an unqualified `expect calls` under the
/// scenario's own variant, and so does every unqualified line of a scenario whose faults cannot
/// strike the run's shape (docs/scenario-format.md, "Expectations"). The model still judges
/// every call and every result of such a run.
bool applies_to_variant(const Expectation& x, const RunHeader& h) {
  if (!x.variants.empty()) {
    return std::find(x.variants.begin(), x.variants.end(), h.variant) != x.variants.end();
  }
  if (h.scenario == nullptr) return true;
  if (h.scenario->variant.value_or(model::Variant::full) == h.variant) return true;
  return x.kind != Expectation::Kind::calls && faults_can_strike(*h.scenario, h.variant);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out.empty() ? "(none)" : out;
}

}  // namespace

void Judge::Expectations::judge(const Expectation& x, const Seen& e,
                                const std::vector<std::string>& calls) {
  using K = Expectation::Kind;
  const std::string& engine = header_->engine_label;
  if (!x.engine.empty() && ("," + x.engine + ",").find("," + engine + ",") == std::string::npos) {
    return;
  }
  if (!applies_to_variant(x, *header_)) return;
  std::string want, got;
  bool ok = true;
  switch (x.kind) {
    case K::calls:
      ok = calls == x.calls;
      want = join(x.calls);
      got = join(calls);
      break;
    case K::result:
      ok = !e.outcome.thrown && e.outcome.result == x.value;
      want = model::show(x.value);
      got = show_outcome(e.outcome);
      break;
    case K::session:
      ok = x.session_unset ? !e.state.session
                           : (e.state.session && model::Value{*e.state.session} == x.value);
      want = x.session_unset ? "unset" : model::show(x.value);
      got = show_session(e.state.session);
      break;
    case K::status:
      got = show_status(e.state.status);
      want = x.text;
      ok = got == want;
      break;
    case K::diagnostic:
    case K::no_diagnostic: {
      bool found = false;
      for (const auto& d : e.outcome.diagnostics) {
        found = found || d.message.find(x.text) != std::string::npos;
        got += (got.empty() ? "" : " | ") + d.message;
      }
      if (got.empty()) got = "(none)";
      ok = x.kind == K::diagnostic ? found : e.outcome.diagnostics.empty();
      want = x.kind == K::diagnostic ? "a diagnostic containing '" + x.text + "'" : "(none)";
      break;
    }
    case K::cookies:
      ok = static_cast<std::int64_t>(e.set_cookies) == x.count;
      want = std::to_string(x.count) + " Set-Cookie line(s)";
      got = std::to_string(e.set_cookies) + " Set-Cookie line(s)";
      break;
  }
  if (!ok) {
    failures_.push_back(Failure{std::string(scenario_of(header_.get())), e.request, e.step, x.line,
                                "expectation failed", want, got});
  }
}

// ---- the race properties of concurrent runs ----------------------------------------------------

/// What every race property needs to know of the run's requests: their names (lanes) and the
/// ids the run's handler calls used.
class Judge::RunLanes final : public Listener {
 public:
  void on_event(const Event& e) override {
    switch (e.kind()) {
      case EventKind::run:
        names_.clear();
        ids_.clear();
        issued_.clear();
        return;
      case EventKind::request: {
        const auto i = static_cast<std::size_t>(std::max(e.request, 1) - 1);
        if (names_.size() <= i) names_.resize(i + 1);
        names_[i] = e.lane;
        return;
      }
      case EventKind::handler: {
        const HandlerEvent& h = e.handler();
        if (takes_id(h.call.method) && !h.call.args.empty()) ids_.push_back(h.call.args[0]);
        if (h.call.method == Method::create_sid && h.answer.kind == model::Answer::Kind::string) {
          ids_.push_back(h.answer.s);
          issued_.push_back(h.answer.s);
        }
        return;
      }
      default: return;
    }
  }
  /// The name of task `task`'s request, or "task N" when it never began.
  [[nodiscard]] std::string name(int task) const {
    const auto i = static_cast<std::size_t>(task);
    return i < names_.size() && !names_[i].empty() ? std::string(names_[i])
                                                   : "task " + std::to_string(task);
  }
  [[nodiscard]] const std::vector<std::string>& ids() const { return ids_; }
  [[nodiscard]] bool issued(const std::string& id) const {
    return std::find(issued_.begin(), issued_.end(), id) != issued_.end();
  }

 private:
  std::vector<std::string_view> names_;
  std::vector<std::string> ids_;
  /// Ids create_sid() gave out.
  std::vector<std::string> issued_;
};

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

}  // namespace

/// Isolation: a request's $_SESSION changes only through its own calls.
class Judge::Isolation final : public Listener {
 public:
  void on_event(const Event& e) override;
  [[nodiscard]] std::optional<Violation>& violation() { return violation_; }

 private:
  /// What one request's $_SESSION must be, from its own calls alone.
  struct Lane {
    bool known = false;
    bool active = false;
    std::optional<model::Array> view;
  };
  void script(Lane& l, const Event& e);
  std::vector<Lane> lanes_;
  std::optional<Violation> violation_;
};

void Judge::Isolation::on_event(const Event& e) {
  if (e.kind() == EventKind::run) {
    lanes_.clear();
    violation_.reset();
    return;
  }
  if (e.kind() != EventKind::script) return;
  const auto i = static_cast<std::size_t>(std::max(e.request, 1) - 1);
  if (lanes_.size() <= i) lanes_.resize(i + 1);
  script(lanes_[i], e);
}

// The view changes in place and is replaced only when it differs from what the request saw (a
// reload, or a breach): most steps copy no session.
void Judge::Isolation::script(Lane& l, const Event& e) {
  const ScriptEvent& s = e.script();
  const Op op = s.call->op;
  if (!violation_ && l.known && !reloads(op)) {
    std::optional<std::string> breach;
    // Only a call that changes or reads $_SESSION changes the expected view; for the others it
    // is the previous view itself.
    model::Outcome expected;
    if (mutates(op) || op == Op::get) expected = model::apply_array_op(*s.call, l.active, l.view);
    const std::optional<model::Array>& want = l.view;
    if (want != s.state.session) {
      breach =
          "expected $_SESSION " + show_session(want) + ", saw " + show_session(s.state.session);
    } else if (op == Op::get && !(expected.result == s.outcome.result)) {
      breach = "read " + model::show(s.outcome.result) + " where its own session holds " +
               model::show(expected.result);
    }
    if (breach) {
      violation_ = Violation{"isolation", true,
                             "request " + std::string(e.lane) + ", step " + std::to_string(e.step) +
                                 " (" + std::string(model::op_name(op)) + "): " + *breach};
    }
  }
  l.known = true;
  l.active = s.state.status == model::Status::active;
  if (l.view != s.state.session) l.view = s.state.session;
}

/// Set-Cookie: one on a first visit that starts a session, none for a returning visitor whose
/// id did not change (a refresh is a finding), never a changed id without a cookie.
class Judge::SetCookieRules final : public Listener {
 public:
  void on_event(const Event& e) override;
  [[nodiscard]] std::vector<Violation>& violations() { return violations_; }

 private:
  struct Lane {
    std::optional<std::string> cookie;
    bool started = false;
  };
  Lane& lane(int request) {
    const auto i = static_cast<std::size_t>(std::max(request, 1) - 1);
    if (lanes_.size() <= i) lanes_.resize(i + 1);
    return lanes_[i];
  }
  void response(const Lane& l, const Event& e);
  std::vector<Lane> lanes_;
  std::vector<Violation> violations_;
};

void Judge::SetCookieRules::on_event(const Event& e) {
  switch (e.kind()) {
    case EventKind::run:
      lanes_.clear();
      violations_.clear();
      return;
    case EventKind::request: lane(e.request).cookie = e.request_event().cookie; return;
    case EventKind::script: {
      const ScriptEvent& s = e.script();
      if (s.call->op == Op::session_start && s.outcome.result == model::Value{true}) {
        lane(e.request).started = true;
      }
      return;
    }
    case EventKind::response: response(lane(e.request), e); return;
    default: return;
  }
}

void Judge::SetCookieRules::response(const Lane& l, const Event& e) {
  const ResponseEvent& r = e.response();
  const auto& in = l.cookie;
  const std::string& id = r.state.id;
  const std::size_t n = r.set_cookies.size();
  auto add = [&](bool failure, const std::string& what) {
    violations_.push_back({"set-cookie", failure, "request " + std::string(e.lane) + ": " + what});
  };
  if (!in && l.started && n == 0) {
    add(true, "a first visit started a session but the response has no Set-Cookie");
  } else if (!in && n > 1) {
    add(false, std::to_string(n) + " Set-Cookie lines on a first visit");
  } else if (in && !id.empty() && id != *in && n == 0) {
    add(true, "the session id changed to " + id + " but no Set-Cookie was sent");
  } else if (in && id == *in && n > 0) {
    add(false, "a returning visitor got a Set-Cookie for an unchanged id (refresh)");
  }
}

/// Strict mode: with use_strict_mode a request never adopts an id the client chose (a cookie
/// or session_id() value that no create_sid or `store` line issued).
class Judge::StrictMode final : public Listener {
 public:
  StrictMode(const ScenarioAnalysis& analysis, const RunLanes& lanes)
      : analysis_(analysis), lanes_(lanes) {}
  void on_event(const Event& e) override;
  [[nodiscard]] std::optional<Violation>& violation() { return violation_; }

 private:
  const ScenarioAnalysis& analysis_;
  const RunLanes& lanes_;
  std::shared_ptr<const RunHeader> header_;
  std::optional<Violation> violation_;
};

void Judge::StrictMode::on_event(const Event& e) {
  if (e.kind() == EventKind::run) {
    header_ = e.run_shared();
    violation_.reset();
    return;
  }
  if (e.kind() != EventKind::response || violation_ || !header_->options.use_strict_mode ||
      header_->scenario == nullptr) {
    return;
  }
  const Request* req = request_at(*header_->scenario, e.request);
  if (req == nullptr || req->cookie_mode != Request::CookieMode::explicit_id) return;
  if (analysis_.client_ids.count(req->cookie) && !lanes_.issued(req->cookie) &&
      e.response().state.id == req->cookie) {
    violation_ = Violation{"strict-mode", true,
                           "request " + std::string(e.lane) + " adopted the never-issued id '" +
                               req->cookie + "' from its cookie"};
  }
}

/// Touch kept: a touch (updateTimestamp) that answers true tells PHP the session is stored with
/// the data it was given. A read of that id before any other call changed it must answer that
/// data, whoever reads: a touch that answered true after a concurrent destroy or gc and stored
/// nothing (a memcached touch() of a missing key, PHP's touch() of a deleted file) loses the
/// session silently. PHP's files module writes a missing session again. Not judged across a
/// fault (a restart may lose data as declared) or past a declared lifetime.
class Judge::TouchKept final : public Listener {
 public:
  void on_event(const Event& e) override;
  [[nodiscard]] std::optional<Violation>& violation() { return violation_; }

 private:
  struct Touch {
    std::string data;
    std::int64_t now_s = 0;
    std::string lane;
  };
  void read(const Event& e, const HandlerEvent& h);
  std::shared_ptr<const RunHeader> header_;
  /// The acknowledged touches no later call has changed yet, by id.
  std::map<std::string, Touch> touched_;
  std::optional<Violation> violation_;
};

void Judge::TouchKept::on_event(const Event& e) {
  switch (e.kind()) {
    case EventKind::run:
      header_ = e.run_shared();
      touched_.clear();
      violation_.reset();
      return;
    case EventKind::fault: touched_.clear(); return;
    case EventKind::handler: break;
    default: return;
  }
  const HandlerEvent& h = e.handler();
  const std::string id = h.call.args.empty() ? std::string() : h.call.args[0];
  switch (h.call.method) {
    case Method::read: read(e, h); return;
    case Method::update_timestamp:
      touched_.erase(id);
      if (h.answer.ok() && !h.answer.injected && h.call.args.size() > 1) {
        touched_[id] = Touch{h.call.args[1], h.now_s, std::string(e.lane)};
      }
      return;
    case Method::write:
    case Method::destroy: touched_.erase(id); return;
    case Method::gc: touched_.clear(); return;
    default: return;
  }
}

void Judge::TouchKept::read(const Event& e, const HandlerEvent& h) {
  const auto it = touched_.find(h.call.args.empty() ? std::string() : h.call.args[0]);
  if (violation_ || it == touched_.end() || h.answer.injected ||
      h.answer.kind != model::Answer::Kind::string) {
    return;
  }
  const model::StoreConfig& store = header_->guarantees.store;
  if (store.expiry != model::Expiry::gc_only && h.now_s - it->second.now_s >= store.ttl_s) return;
  if (h.answer.s == it->second.data) return;
  violation_ =
      Violation{"touch-kept", true,
                "request " + it->second.lane + "'s updateTimestamp('" + it->first +
                    "') answered true, then request " + std::string(e.lane) + "'s read answered " +
                    model::show(model::Value{h.answer.s}) + " where the touched data " +
                    model::show(model::Value{it->second.data}) + " was kept"};
}

// ---- the judge ---------------------------------------------------------------------------------

Judge::Judge(JudgeOptions options) : analysis_(options.races) {
  if (options.conformance) {
    conformance_ = std::make_unique<Conformance>();
    properties_.push_back(conformance_.get());
  }
  if (options.expectations) {
    expectations_ = std::make_unique<Expectations>();
    properties_.push_back(expectations_.get());
  }
  if (options.races != nullptr) {
    lanes_ = std::make_unique<RunLanes>();
    isolation_ = std::make_unique<Isolation>();
    set_cookie_ = std::make_unique<SetCookieRules>();
    strict_mode_ = std::make_unique<StrictMode>(*options.races, *lanes_);
    touch_kept_ = std::make_unique<TouchKept>();
    for (Listener* l :
         std::initializer_list<Listener*>{lanes_.get(), isolation_.get(), set_cookie_.get(),
                                          strict_mode_.get(), touch_kept_.get()}) {
      properties_.push_back(l);
    }
    if (options.faults) {
      faults_ = std::make_unique<FaultChecks>(*options.races);
      properties_.push_back(faults_.get());
    }
  }
}

Judge::~Judge() = default;

void Judge::on_event(const Event& e) {
  for (Listener* p : properties_) p->on_event(e);
}

void Judge::on_finish() {
  for (Listener* p : properties_) p->on_finish();
}

void Judge::settle() {
  if (conformance_) conformance_->on_finish();
  if (expectations_) expectations_->on_finish();
}

std::optional<Failure> Judge::first_failure() const {
  if (conformance_ && conformance_->failure()) return conformance_->failure();
  if (expectations_ && !expectations_->failures().empty()) {
    return expectations_->failures().front();
  }
  return std::nullopt;
}

const std::optional<Failure>& Judge::conformance_failure() const {
  static const std::optional<Failure> none;
  return conformance_ ? conformance_->failure() : none;
}

const std::vector<Failure>& Judge::expectation_failures() const {
  static const std::vector<Failure> none;
  return expectations_ ? expectations_->failures() : none;
}

const model::StoreModel& Judge::store() const {
  SS_ASSERT(conformance_ != nullptr, "the reference store of a judge without conformance");
  return conformance_->store();
}

std::vector<int> Judge::optional_tasks() const {
  return faults_ ? faults_->optional_tasks() : std::vector<int>{};
}

std::vector<std::string> Judge::touched_ids() const {
  SS_ASSERT(analysis_ != nullptr, "touched ids of a judge without the race properties");
  std::vector<std::string> ids(analysis_->named_ids.begin(), analysis_->named_ids.end());
  ids.insert(ids.end(), lanes_->ids().begin(), lanes_->ids().end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

namespace {

Violation progress(const RunEnding& ending, const std::function<std::string(int)>& name) {
  std::string detail = ending.end == RunEnd::deadlock ? "deadlock:" : "step budget exhausted:";
  for (const auto& w : ending.waits) {
    detail += " " + name(w.task) + (w.blocked ? " blocked at '" : " at '") + w.what + "';";
  }
  return Violation{"progress", true, detail};
}

std::optional<Violation> serializability(const RunEnding& ending) {
  if (ending.serial == nullptr || ending.final_state == nullptr || !*ending.final_state) {
    return std::nullopt;
  }
  const SerialOutcomes& serial = *ending.serial;
  const StoreState& final_state = **ending.final_state;
  if (serial.states.empty()) return std::nullopt;
  if (std::find(serial.states.begin(), serial.states.end(), final_state) != serial.states.end()) {
    return std::nullopt;
  }
  Violation v;
  v.property = serial.property;
  switch (ending.concurrency) {
    case handlers::Concurrency::serialised: v.failure = true; break;
    case handlers::Concurrency::merge_disjoint_keys: v.failure = serial.disjoint_keys; break;
    case handlers::Concurrency::last_writer_wins: v.failure = false; break;
  }
  v.detail = "final store " + final_state.show() +
             " is what no serial order gives:" + serial.shown + " (handler declares " +
             std::string(handlers::concurrency_name(ending.concurrency)) + ")";
  return v;
}

}  // namespace

void Judge::finish_run(const RunEnding& ending, std::vector<Violation>& out) {
  SS_ASSERT(analysis_ != nullptr, "finish_run on a judge without the race properties");
  if (ending.end != RunEnd::finished) {
    out.push_back(progress(ending, [this](int task) { return lanes_->name(task); }));
  }
  if (faults_) {
    FaultEnding f;
    f.final_state =
        ending.final_state != nullptr && *ending.final_state ? &**ending.final_state : nullptr;
    f.unreadable = ending.unreadable;
    f.now_s = ending.now_s;
    f.canonical = ending.canonical;
    faults_->finish(f, out);
  }
  if (auto& v = isolation_->violation()) out.push_back(std::move(*v));
  for (auto& v : set_cookie_->violations()) out.push_back(std::move(v));
  if (auto& v = strict_mode_->violation()) out.push_back(std::move(*v));
  if (auto& v = touch_kept_->violation()) out.push_back(std::move(*v));
  if (auto v = serializability(ending)) out.push_back(std::move(*v));
}

}  // namespace ss::scenarios
