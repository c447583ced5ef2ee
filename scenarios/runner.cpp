#include "scenarios/runner.hpp"

#include "base/assert.hpp"
#include "handlers/run_task.hpp"

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
    case EventKind::fault: return "fault";
  }
  return "?";
}

std::string deferred_text(const model::ScriptCall& call) {
  std::string out(model::op_name(call.op));
  for (const auto& v : script_args(call)) out += " " + model::show(v);
  return out;
}

Event run_event(RunHeader header) {
  Event e;
  e.payload = std::make_shared<const RunHeader>(std::move(header));
  return e;
}

const Request* request_at(const Scenario& sc, int request) {
  if (request < 1 || static_cast<std::size_t>(request) > sc.requests.size()) return nullptr;
  return &sc.requests[static_cast<std::size_t>(request) - 1];
}

const Step* step_at(const Scenario& sc, int request, int step) {
  const Request* r = request_at(sc, request);
  if (r == nullptr || step < 1 || static_cast<std::size_t>(step) > r->steps.size()) return nullptr;
  return &r->steps[static_cast<std::size_t>(step) - 1];
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

/// A handler's failure as PHP sees it (false), marked when it is a refusal for lack of room.
Answer failure_answer(const handlers::HandlerError& e) {
  Answer a = Answer::failure_(e.reason);
  a.capacity_refusal = e.code == handlers::ErrorCode::capacity;
  return a;
}

Answer status_answer(const handlers::Status& s) {
  return s ? Answer::boolean_(true) : failure_answer(s.error());
}

template <class T>
Answer value_answer(const handlers::Result<T>& r) {
  if (!r) return failure_answer(r.error());
  if constexpr (std::is_same_v<T, std::string>) {
    return Answer::string_(r.value());
  } else if constexpr (std::is_same_v<T, bool>) {
    return Answer::boolean_(r.value());
  } else {
    return Answer::integer_(r.value());
  }
}

std::string arg(const HandlerCall& c, std::size_t i) {
  return i < c.args.size() ? c.args[i] : "";
}

/// How many arguments each method takes (model::HandlerCall).
std::size_t arity(Method m) {
  switch (m) {
    case Method::open:
    case Method::write:
    case Method::update_timestamp: return 2;
    case Method::close:
    case Method::create_sid: return 0;
    default: return 1;
  }
}

/// An answer of the kind the method's PHP interface returns: failures from any method, strings
/// from read and create_sid, an integer from gc, a boolean from validateId, true from the rest.
bool answer_fits(Method m, const Answer& a) {
  using K = Answer::Kind;
  if (a.kind == K::failure || a.kind == K::exception) return true;
  switch (m) {
    case Method::read:
    case Method::create_sid: return a.kind == K::string;
    case Method::gc: return a.kind == K::integer;
    case Method::validate_id: return a.kind == K::boolean;
    default: return a.kind == K::boolean && a.b;
  }
}

}  // namespace

handlers::Task<Answer> perform(handlers::SessionHandler& h, const HandlerCall& c) {
  SS_ASSERT(c.args.size() == arity(c.method),
            "a handler call with the wrong number of arguments: " + model::show(c));
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
    // Only an injected answer may be one PHP's interface cannot give (a fault's wrong type).
    SS_ASSERT(answer_fits(call.method, a), "an answer PHP's interface cannot give: " +
                                               model::show(call) + " = " + model::show(a));
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

base::Result<ResolvedOptions> resolve_options(const Scenario& sc, const RunConfig& cfg) {
  ResolvedOptions out;
  for (const auto& [k, v] : sc.ini) {
    if (auto e = out.options.set(k, v)) return base::error(sc.file + ": " + *e);
  }
  for (const auto& [k, v] : cfg.ini) {
    if (auto e = out.options.set(k, v)) return base::error("--ini " + k + "=" + v + ": " + *e);
  }
  out.variant = cfg.variant.value_or(sc.variant.value_or(model::Variant::full));
  return out;
}

base::Result<RunHeader> run_header(const Scenario& sc, const RunConfig& cfg,
                                   const handlers::Backend& backend) {
  auto resolved = resolve_options(sc, cfg);
  if (!resolved) return resolved.error();
  RunHeader h;
  h.engine_label = std::string(model::engine_name(cfg.engine));
  h.engine = cfg.engine;
  h.handler = backend.uri();
  h.variant = resolved->variant;
  h.options = std::move(resolved->options);
  h.seed = cfg.seed;
  h.guarantees = backend.guarantees();
  h.scenario = &sc;
  return h;
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
      sink_.emit(header(step, HandlerEvent{call, answer, now}));
    } else {
      log_.push_back(HandlerEvent{call, answer, now});
    }
  }

 private:
  handlers::Task<model::Outcome> step(model::Proc<model::Outcome> proc, int step) {
    log_.clear();
    return drive(std::move(proc), *p_.handler, *p_.clock, *this, step, &faults_);
  }
  void emit_calls(int step) {
    for (auto& call : log_) sink_.emit(header(step, std::move(call)));
    log_.clear();
  }
  Event header(int step, Event::Payload payload) const {
    return Event{.request = p_.number,
                 .step = step,
                 .seq = 0,
                 .lane = p_.request->name,
                 .payload = std::move(payload)};
  }
  SessionState state() const {
    return SessionState{p_.engine->status(), p_.engine->session_id(), p_.engine->session()};
  }

  const RequestPlan& p_;
  EventSink& sink_;
  model::FaultPlan faults_;
  /// The handler calls of the current step, when they are reported after its script event.
  std::vector<HandlerEvent> log_;
};

handlers::Task<std::vector<std::string>> RequestRun::run() {
  const Request& req = *p_.request;
  sink_.emit(header(0, RequestEvent{p_.cookie}));
  (void)co_await step(p_.engine->begin_request(), 0);
  emit_calls(0);
  int number = 0;
  for (const Step& st : req.steps) {
    ++number;
    if (st.call.op == model::Op::advance) p_.clock->advance(st.call.seconds);
    if (st.call.op == model::Op::yield) co_await p_.points->point("yield");
    model::Outcome out = co_await step(p_.engine->script(st.call), number);
    const bool ended = out.thrown.has_value() || out.ended;
    sink_.emit(header(number, ScriptEvent{&st.call, std::move(out), state()}));
    emit_calls(number);
    if (ended) break;  // An uncaught exception, exit or a fatal error; shutdown still runs.
  }
  model::Outcome end = co_await step(p_.engine->end_request(), number + 1);
  std::vector<std::string> cookies = p_.engine->set_cookies();
  sink_.emit(header(number + 1, ResponseEvent{std::move(end), state(), cookies}));
  emit_calls(number + 1);
  co_return cookies;
}

/// The sequential runner: requests one after another, one browser's cookie jar.
class ScenarioRun final : public EventSink {
 public:
  ScenarioRun(const Scenario& sc, const RunConfig& cfg, const RunHeader& head,
              handlers::Backend& backend, handlers::ManualClock& clock, handlers::IoPoints& points,
              const std::vector<Listener*>& listeners)
      : sc_(sc),
        cfg_(cfg),
        head_(head),
        backend_(backend),
        clock_(clock),
        points_(points),
        listeners_(listeners),
        rng_(head.seed) {}

  handlers::Task<void> run();
  void emit(Event e) override {
    e.seq = seq_++;
    for (Listener* l : listeners_) l->on_event(e);
  }

 private:
  const Scenario& sc_;
  const RunConfig& cfg_;
  const RunHeader& head_;
  handlers::Backend& backend_;
  handlers::ManualClock& clock_;
  handlers::IoPoints& points_;
  const std::vector<Listener*>& listeners_;
  model::Rng rng_;
  int seq_ = 0;
};

handlers::Task<void> ScenarioRun::run() {
  emit(run_event(head_));
  co_await seed_store(sc_, backend_, clock_, points_);
  std::optional<std::string> jar;
  int number = 0;
  for (const Request& req : sc_.requests) {
    model::RequestContext ctx{head_.options, head_.variant, cookie_for(req, jar),
                              req.register_shutdown, req.query};
    auto engine = cfg_.engine_factory ? cfg_.engine_factory(head_.engine, ctx, rng_)
                                      : model::make_engine(head_.engine, ctx, rng_);
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

base::Status run_scenario(const Scenario& sc, const RunConfig& cfg, handlers::Backend& backend,
                          handlers::ManualClock& clock, const std::vector<Listener*>& listeners,
                          handlers::IoPoints* points) {
  auto head = run_header(sc, cfg, backend);
  if (!head) return head.error();
  clock.set(sc.clock_start_s);
  handlers::IoPoints plain;
  ScenarioRun run(sc, cfg, *head, backend, clock, points != nullptr ? *points : plain, listeners);
  handlers::run_task(run.run());
  for (Listener* l : listeners) l->on_finish();
  return base::ok();
}

}  // namespace ss::scenarios
