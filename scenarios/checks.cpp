#include "scenarios/checks.hpp"

#include "model/codec.hpp"
#include "model/proc.hpp"

namespace ss::scenarios {

std::string Failure::str() const {
  std::string out = "scenario " + scenario + ", request " + std::to_string(request) + ", step " +
                    std::to_string(step);
  if (line > 0) out += " (line " + std::to_string(line) + ")";
  out += ": " + what + "\n  expected: " + expected + "\n  actual:   " + actual;
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

bool same_outcome(const model::Outcome& a, const model::Outcome& b) {
  return a.result == b.result && a.thrown == b.thrown && a.diagnostics == b.diagnostics;
}

}  // namespace

/// A run of one engine procedure: the event that began it and the handler events it caused.
struct ConformanceChecker::Group {
  Event head;
  std::vector<Event> calls;
};

ConformanceChecker::ConformanceChecker(model::StoreConfig store) : store_config_(store) {}
ConformanceChecker::~ConformanceChecker() = default;

void ConformanceChecker::fail(const Event& at, std::string what, std::string expected,
                              std::string actual) {
  if (failure_) return;
  Failure f{scenario_, at.request, at.step, 0, std::move(what), std::move(expected),
            std::move(actual)};
  if (at.origin_step) f.line = at.origin_step->line;
  failure_ = std::move(f);
}

void ConformanceChecker::on_event(const Event& e) {
  if (e.kind == EventKind::handler) {
    if (group_) group_->calls.push_back(e);
    return;
  }
  finalize();
  if (e.kind == EventKind::run) {
    scenario_ = e.scenario;
    engine_kind_ = model::parse_engine(e.engine).value_or(model::EngineKind::php82);
    opts_ = model::RunOptions{};
    for (const auto& [k, v] : e.ini) (void)opts_.set(k, v);
    variant_ = model::parse_variant(e.variant).value_or(model::Variant::full);
    rng_ = std::make_unique<model::Rng>(e.seed);
    store_ = std::make_unique<model::StoreModel>(store_config_);
    if (e.origin_scenario) {
      for (const auto& s : e.origin_scenario->store) {
        store_->put(s.id, s.data, e.origin_scenario->clock_start_s - s.age_s);
      }
    }
    return;
  }
  begin_group(e);
}

void ConformanceChecker::begin_group(const Event& e) {
  if (e.kind == EventKind::request) {
    const bool register_shutdown = !e.origin_request || e.origin_request->register_shutdown;
    const auto query = e.origin_request ? e.origin_request->query : std::nullopt;
    model::RequestContext ctx{opts_, variant_, e.cookie, register_shutdown, query};
    engine_ = model::make_engine(engine_kind_, ctx, *rng_);
  }
  if (!engine_) return;
  group_ = std::make_unique<Group>();
  group_->head = e;
}

void ConformanceChecker::on_finish() { finalize(); }

// An injected answer is the scenario's, not the handler's: nothing to judge, and the store did
// not change (the handler was not asked, or it was open/close, which change nothing). Where PHP's
// SessionHandler answers itself (`preset`), an exception must be that exception, and an id from
// its create_sid must be fresh and as long as PHP makes them (session.sid_length).
model::Judgement ConformanceChecker::judge(const Event& c, const model::Answer* preset) {
  if (c.answer.injected) return {};
  if (preset && preset->kind != model::Answer::Kind::string) {
    return {preset->same_for_php(c.answer), model::show(*preset)};
  }
  model::Judgement j = store_->observe(c.hcall, c.answer, c.now_s);
  if (preset && j.ok && c.answer.s.size() != preset->s.size()) {
    j = {false, "a fresh id of " + std::to_string(preset->s.size()) +
                    " characters (SessionHandler::create_sid follows session.sid_length)"};
  }
  return j;
}

void ConformanceChecker::finalize() {
  if (!group_) return;
  auto g = std::move(group_);
  if (!failure_) check_group(*g);
}

void ConformanceChecker::check_group(Group& g) {
  const Event& h = g.head;
  model::Proc<model::Outcome> proc = h.kind == EventKind::request ? engine_->begin_request()
                                     : h.kind == EventKind::script ? engine_->script(*h.call)
                                                                   : engine_->end_request();
  model::Machine<model::Outcome> m(std::move(proc));
  m.start();
  for (const Event& c : g.calls) {
    const model::HandlerCall* want = m.pending();
    if (want == nullptr) {
      fail(c, "an unexpected handler call", "no further call", model::show(c.hcall));
      return;
    }
    if (!(*want == c.hcall)) {
      fail(c, "a different handler call", model::show(*want), model::show(c.hcall));
      return;
    }
    const model::Judgement j = judge(c, m.preset());
    if (!j.ok) {
      fail(c, "handler answer to " + model::show(c.hcall), j.expected, model::show(c.answer));
      return;
    }
    m.resume(c.answer);
  }
  if (!m.done()) {
    fail(h, "a missing handler call", model::show(*m.pending()), "none");
    return;
  }
  model::Outcome want = m.result();
  if (h.kind == EventKind::script && !same_outcome(want, h.outcome)) {
    fail(h, "script result", show_outcome(want), show_outcome(h.outcome));
    return;
  }
  if (h.kind != EventKind::request && engine_->session() != h.session) {
    fail(h, "$_SESSION", show_session(engine_->session()), show_session(h.session));
  }
}

void ExpectationChecker::on_event(const Event& e) {
  if (e.kind == EventKind::handler) {
    calls_.emplace_back(model::method_name(e.hcall.method));
    return;
  }
  settle();
  if (e.kind == EventKind::run) engine_ = e.engine;
  if (e.kind == EventKind::script && e.origin_step && !e.origin_step->expects.empty()) {
    pending_ = e;
  }
  if (e.kind == EventKind::response && e.origin_request) {
    for (const auto& x : e.origin_request->expects) judge(x, e, {});
  }
}

void ExpectationChecker::settle() {
  if (pending_) {
    for (const auto& x : pending_->origin_step->expects) judge(x, *pending_, calls_);
  }
  pending_.reset();
  calls_.clear();
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out.empty() ? "(none)" : out;
}

}  // namespace

void ExpectationChecker::judge(const Expectation& x, const Event& e,
                               const std::vector<std::string>& calls) {
  using K = Expectation::Kind;
  if (!x.engine.empty() && ("," + x.engine + ",").find("," + engine_ + ",") == std::string::npos) {
    return;
  }
  std::string want, got;
  bool ok = true;
  switch (x.kind) {
    case K::calls: ok = calls == x.calls; want = join(x.calls); got = join(calls); break;
    case K::result:
      ok = !e.outcome.thrown && e.outcome.result == x.value;
      want = model::show(x.value);
      got = show_outcome(e.outcome);
      break;
    case K::session:
      ok = x.session_unset ? !e.session
                           : (e.session && model::Value{*e.session} == x.value);
      want = x.session_unset ? "unset" : model::show(x.value);
      got = show_session(e.session);
      break;
    case K::status:
      got = e.status == model::Status::active ? "active" : "none";
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
      ok = static_cast<std::int64_t>(e.set_cookies.size()) == x.count;
      want = std::to_string(x.count) + " Set-Cookie line(s)";
      got = std::to_string(e.set_cookies.size()) + " Set-Cookie line(s)";
      break;
  }
  if (!ok) {
    failures_.push_back(Failure{e.scenario, e.request, e.step, x.line, "expectation failed", want,
                                got});
  }
}

}  // namespace ss::scenarios
