#include "scenarios/runner.hpp"

#include <exception>
#include <tuple>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ss::scenarios {

using model::Answer;
using model::HandlerCall;
using model::Method;

std::string_view event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::run: return "run";
    case EventKind::request: return "request";
    case EventKind::script: return "script";
    case EventKind::handler: return "handler";
    case EventKind::response: return "response";
  }
  return "?";
}

std::string deferred_text(const model::ScriptCall& call) {
  std::string out(model::op_name(call.op));
  for (const auto& v : script_args(call)) out += " " + model::show(v);
  return out;
}

std::vector<model::Value> script_args(const model::ScriptCall& call) {
  using model::Op;
  std::vector<model::Value> args;
  auto key_value = [&]() {
    if (const auto* i = std::get_if<std::int64_t>(&call.key)) return model::Value{*i};
    return model::Value{std::get<std::string>(call.key)};
  };
  switch (call.op) {
    case Op::session_start: {
      if (call.options.empty()) break;
      model::Array opts;
      for (const auto& [k, v] : call.options) opts.set(k, model::Value{v});
      args.emplace_back(std::move(opts));
      break;
    }
    case Op::session_regenerate_id: args.emplace_back(call.flag); break;
    case Op::session_id:
    case Op::session_create_id:
      if (call.text) args.emplace_back(*call.text);
      break;
    case Op::set:
    case Op::push:
      args.push_back(key_value());
      args.push_back(call.value);
      break;
    case Op::incr:
    case Op::unset:
    case Op::get: args.push_back(key_value()); break;
    case Op::advance: args.emplace_back(call.seconds); break;
    case Op::throw_:
    case Op::fatal:
      if (call.text) args.emplace_back(*call.text);
      break;
    case Op::on_shutdown: args.emplace_back(deferred_text(call.deferred.at(0))); break;
    case Op::session_decode:
    case Op::ini_get:
      if (call.text) args.emplace_back(*call.text);
      break;
    case Op::ini_set:
      args.emplace_back(call.text.value_or(""));
      args.emplace_back(call.options.count("value") ? call.options.at("value") : "");
      break;
    default: break;
  }
  return args;
}

namespace {

Answer status_answer(const handlers::Status& s) {
  return s ? Answer::boolean_(true) : Answer::failure_(s.error().reason);
}

template <class T>
Answer value_answer(const handlers::Result<T>& r) {
  if (!r) return Answer::failure_(r.error().reason);
  if constexpr (std::is_same_v<T, std::string>) {
    return Answer::string_(r.value());
  } else if constexpr (std::is_same_v<T, bool>) {
    return Answer::boolean_(r.value());
  } else {
    return Answer::integer_(r.value());
  }
}

std::string arg(const HandlerCall& c, std::size_t i) { return i < c.args.size() ? c.args[i] : ""; }

}  // namespace

handlers::Task<Answer> perform(handlers::SessionHandler& h, const HandlerCall& c) {
  switch (c.method) {
    case Method::open: co_return status_answer(co_await h.open(arg(c, 0), arg(c, 1)));
    case Method::close: co_return status_answer(co_await h.close());
    case Method::read: co_return value_answer(co_await h.read(arg(c, 0)));
    case Method::write: co_return status_answer(co_await h.write(arg(c, 0), arg(c, 1)));
    case Method::destroy: co_return status_answer(co_await h.destroy(arg(c, 0)));
    case Method::gc: {
      std::int64_t max_s = 0;
      try {
        max_s = std::stoll(arg(c, 0));
      } catch (...) {
        co_return Answer::failure_("gc: malformed max lifetime");
      }
      co_return value_answer(co_await h.gc(max_s));
    }
    case Method::create_sid: co_return value_answer(co_await h.create_sid());
    case Method::validate_id: co_return value_answer(co_await h.validate_id(arg(c, 0)));
    case Method::update_timestamp:
      co_return status_answer(co_await h.update_timestamp(arg(c, 0), arg(c, 1)));
  }
  co_return Answer::failure_("unknown method");
}

namespace {

/// One handler call, or the answer a `fault` line injects in its place: the handler is not
/// asked, except open and close, whose own answer is replaced (docs/scenario-format.md).
/// PHP's own answer (`preset`, SessionHandler's code) does not reach the handler either.
handlers::Task<Answer> answer_call(handlers::SessionHandler& handler, const HandlerCall& call,
                                   model::FaultPlan* faults, const Answer* preset) {
  std::optional<Answer> injected = faults ? faults->take(call.method) : std::nullopt;
  if (!injected && preset) co_return *preset;
  if (!injected || model::FaultPlan::reaches_handler(call.method)) {
    Answer a = co_await perform(handler, call);
    if (!injected) co_return a;
  }
  co_return *injected;
}

}  // namespace

handlers::Task<model::Outcome> drive(model::Proc<model::Outcome> proc,
                                     handlers::SessionHandler& handler, handlers::Clock& clock,
                                     CallObserver& observer, int step, model::FaultPlan* faults) {
  model::Machine<model::Outcome> m(std::move(proc));
  m.start();
  // Engines make a handful of calls per script call; the bound only stops a runaway model.
  constexpr int calls_per_step_max = 64;
  for (int n = 0; const HandlerCall* c = m.pending(); ++n) {
    if (n >= calls_per_step_max) break;
    // The pending call stays in the machine until resume(): no copy needed.
    const HandlerCall& call = *c;
    co_await observer.before_call(call);
    Answer a = co_await answer_call(handler, call, faults, m.preset());
    observer.after_call(step, call, a, clock.now_s());
    m.resume(std::move(a));
  }
  if (!m.done()) {
    model::Outcome o;
    o.thrown = "sessionspec: the engine exceeded " + std::to_string(calls_per_step_max) +
               " handler calls in one script call";
    co_return o;
  }
  co_return m.result();
}

std::optional<std::string> resolve_options(const Scenario& sc, const RunConfig& cfg,
                                           model::RunOptions& opts, model::Variant& variant) {
  opts = model::RunOptions{};
  for (const auto& [k, v] : sc.ini) {
    if (auto e = opts.set(k, v)) return sc.file + ": " + *e;
  }
  for (const auto& [k, v] : cfg.ini) {
    if (auto e = opts.set(k, v)) return "--ini " + k + "=" + v + ": " + *e;
  }
  variant = cfg.variant.value_or(sc.variant.value_or(model::Variant::full));
  return std::nullopt;
}

handlers::Task<void> seed_store(const Scenario& sc, handlers::Backend& backend,
                                handlers::ManualClock& clock, handlers::IoPoints& points) {
  // Stored sessions are written through the handler itself, with the clock set back by their age.
  const std::int64_t now = clock.now_s();
  for (const auto& s : sc.store) {
    clock.set(now - s.age_s);
    auto h = backend.connect(handlers::RequestEnv{&clock, &points, 0});
    (void)co_await h->open("", "");
    (void)co_await h->write(s.id, s.data);
    (void)co_await h->close();
  }
  clock.set(now);
}

namespace {

using CallLog = std::vector<std::tuple<HandlerCall, Answer, std::int64_t>>;

/// One request's run: the engine against the handler, every step reported to the sink.
class RequestRun final : public CallObserver {
 public:
  RequestRun(const RequestPlan& plan, EventSink& sink)
      : p_(plan), sink_(sink), faults_(plan.request->faults) {}
  handlers::Task<std::vector<std::string>> run();

  // Every handler call is a scheduling point (a no-op outside the explorer). The point's own
  // awaitable is returned: one coroutine frame less per handler call.
  handlers::Task<void> before_call(const HandlerCall& call) override {
    return p_.points->point(model::method_name(call.method));
  }
  void after_call(int step, const HandlerCall& call, const Answer& answer,
                  std::int64_t now) override {
    if (p_.calls_as_they_happen) {
      emit_call(step, call, answer, now);
    } else {
      log_.emplace_back(call, answer, now);
    }
  }

 private:
  handlers::Task<model::Outcome> step(model::Proc<model::Outcome> proc, int step) {
    log_.clear();
    return drive(std::move(proc), *p_.handler, *p_.clock, *this, step, &faults_);
  }
  void emit_calls(int step) {
    for (const auto& [call, answer, now] : log_) emit_call(step, call, answer, now);
    log_.clear();
  }
  void emit_call(int step, const HandlerCall& call, const Answer& answer, std::int64_t now) {
    Event e;
    e.kind = EventKind::handler;
    e.request = p_.number;
    e.step = step;
    e.lane = p_.request->name;
    e.hcall = call;
    e.answer = answer;
    e.now_s = now;
    sink_.emit(std::move(e));
  }
  Event state_event(EventKind kind, int step) const {
    Event e;
    e.kind = kind;
    e.request = p_.number;
    e.step = step;
    e.lane = p_.request->name;
    e.status = p_.engine->status();
    e.id = p_.engine->session_id();
    e.session = p_.engine->session();
    return e;
  }

  const RequestPlan& p_;
  EventSink& sink_;
  model::FaultPlan faults_;
  std::vector<std::tuple<HandlerCall, Answer, std::int64_t>> log_;
};

handlers::Task<std::vector<std::string>> RequestRun::run() {
  const Request& req = *p_.request;
  Event start;
  start.kind = EventKind::request;
  start.request = p_.number;
  start.lane = req.name;
  start.cookie = p_.cookie;
  start.origin_request = &req;
  sink_.emit(std::move(start));
  (void)co_await step(p_.engine->begin_request(), 0);
  emit_calls(0);
  int number = 0;
  for (const Step& st : req.steps) {
    ++number;
    if (st.call.op == model::Op::advance) p_.clock->advance(st.call.seconds);
    if (st.call.op == model::Op::yield) co_await p_.points->point("yield");
    model::Outcome out = co_await step(p_.engine->script(st.call), number);
    Event e = state_event(EventKind::script, number);
    e.call = &st.call;
    e.origin_step = &st;
    e.source = st.source;
    const bool ended = out.thrown.has_value() || out.ended;
    e.outcome = std::move(out);
    sink_.emit(std::move(e));
    emit_calls(number);
    if (ended) break;  // An uncaught exception, exit or a fatal error; shutdown still runs.
  }
  model::Outcome end = co_await step(p_.engine->end_request(), number + 1);
  Event resp = state_event(EventKind::response, number + 1);
  resp.outcome = std::move(end);
  resp.set_cookies = p_.engine->set_cookies();
  resp.origin_request = &req;
  std::vector<std::string> cookies = resp.set_cookies;
  sink_.emit(std::move(resp));
  emit_calls(number + 1);
  co_return cookies;
}

/// The sequential runner: requests one after another, one browser's cookie jar.
class ScenarioRun final : public EventSink {
 public:
  ScenarioRun(const Scenario& sc, const RunConfig& cfg, handlers::Backend& backend,
              handlers::ManualClock& clock, const std::vector<Listener*>& listeners)
      : sc_(sc), cfg_(cfg), backend_(backend), clock_(clock), listeners_(listeners),
        rng_(cfg.seed) {}

  handlers::Task<void> run(const model::RunOptions& opts, model::Variant variant);
  void emit(Event e) override {
    e.scenario = sc_.name;
    e.seq = seq_++;
    for (Listener* l : listeners_) l->on_event(e);
  }

 private:
  const Scenario& sc_;
  const RunConfig& cfg_;
  handlers::Backend& backend_;
  handlers::ManualClock& clock_;
  const std::vector<Listener*>& listeners_;
  model::Rng rng_;
  handlers::IoPoints points_;
  int seq_ = 0;
};

handlers::Task<void> ScenarioRun::run(const model::RunOptions& opts, model::Variant variant) {
  Event head;
  head.kind = EventKind::run;
  head.engine = std::string(model::engine_name(cfg_.engine));
  head.handler = backend_.uri();
  head.variant = std::string(model::variant_name(variant));
  head.ini = opts.to_ini();
  head.seed = cfg_.seed;
  head.origin_scenario = &sc_;
  emit(std::move(head));
  co_await seed_store(sc_, backend_, clock_, points_);
  std::optional<std::string> jar;
  int number = 0;
  for (const Request& req : sc_.requests) {
    model::RequestContext ctx{opts, variant, cookie_for(req, jar), req.register_shutdown,
                              req.query};
    auto engine = model::make_engine(cfg_.engine, ctx, rng_);
    ++number;
    auto handler = backend_.connect(
        handlers::RequestEnv{&clock_, &points_, static_cast<std::uint64_t>(number)});
    RequestPlan plan{&req, number, ctx.cookie, engine.get(), handler.get(), &points_, &clock_};
    auto cookies = co_await run_request(plan, *this);
    if (!cookies.empty()) jar = cookies.back();
  }
}

}  // namespace

std::optional<std::string> cookie_for(const Request& req, const std::optional<std::string>& jar) {
  switch (req.cookie_mode) {
    case Request::CookieMode::jar: return jar;
    case Request::CookieMode::none: return std::nullopt;
    case Request::CookieMode::explicit_id: return req.cookie;
  }
  return std::nullopt;
}

handlers::Task<std::vector<std::string>> run_request(const RequestPlan& plan, EventSink& sink) {
  RequestRun run(plan, sink);
  co_return co_await run.run();
}

bool run_scenario(const Scenario& sc, const RunConfig& cfg, handlers::Backend& backend,
                  handlers::ManualClock& clock, const std::vector<Listener*>& listeners,
                  std::string& error) {
  model::RunOptions opts;
  model::Variant variant = model::Variant::full;
  if (auto e = resolve_options(sc, cfg, opts, variant)) {
    error = *e;
    return false;
  }
  clock.set(sc.clock_start_s);
  ScenarioRun run(sc, cfg, backend, clock, listeners);
  boost::asio::io_context io;
  std::exception_ptr failure;
  // co_spawn with `detached` would swallow exceptions; keep them and rethrow here.
  boost::asio::co_spawn(io, run.run(opts, variant),
                        [&failure](std::exception_ptr p) { failure = std::move(p); });
  io.run();
  if (failure) std::rethrow_exception(failure);
  for (Listener* l : listeners) l->on_finish();
  return true;
}

}  // namespace ss::scenarios
