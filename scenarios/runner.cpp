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

handlers::Task<model::Outcome> drive(model::Proc<model::Outcome> proc,
                                     handlers::SessionHandler& handler,
                                     handlers::Clock& clock,
                                     std::vector<std::tuple<HandlerCall, Answer, std::int64_t>>& log) {
  model::Machine<model::Outcome> m(std::move(proc));
  m.start();
  // Engines make a handful of calls per script call; the bound only stops a runaway model.
  constexpr int calls_per_step_max = 64;
  for (int n = 0; const HandlerCall* c = m.pending(); ++n) {
    if (n >= calls_per_step_max) break;
    HandlerCall call = *c;
    Answer a = co_await perform(handler, call);
    log.emplace_back(std::move(call), a, clock.now_s());
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

namespace {

class ScenarioRun {
 public:
  ScenarioRun(const Scenario& sc, const RunConfig& cfg, handlers::Backend& backend,
              handlers::ManualClock& clock, const std::vector<Listener*>& listeners)
      : sc_(sc), cfg_(cfg), backend_(backend), clock_(clock), listeners_(listeners),
        rng_(cfg.seed) {}

  handlers::Task<void> run(const model::RunOptions& opts, model::Variant variant);

 private:
  handlers::Task<void> seed_store();
  handlers::Task<void> request(const Request& req, int number, const model::RunOptions& opts,
                               model::Variant variant);
  void emit(Event e) {
    e.scenario = sc_.name;
    e.seq = seq_++;
    for (Listener* l : listeners_) l->on_event(e);
  }
  void emit_calls(int request, int step, const std::string& lane,
                  const std::vector<std::tuple<HandlerCall, Answer, std::int64_t>>& log) {
    for (const auto& [call, answer, now] : log) {
      Event e;
      e.kind = EventKind::handler;
      e.request = request;
      e.step = step;
      e.lane = lane;
      e.hcall = call;
      e.answer = answer;
      e.now_s = now;
      emit(std::move(e));
    }
  }
  Event state_event(EventKind kind, int request, int step, const std::string& lane,
                    const model::Engine& engine) const {
    Event e;
    e.kind = kind;
    e.request = request;
    e.step = step;
    e.lane = lane;
    e.status = engine.status();
    e.id = engine.session_id();
    e.session = engine.session();
    return e;
  }

  const Scenario& sc_;
  const RunConfig& cfg_;
  handlers::Backend& backend_;
  handlers::ManualClock& clock_;
  const std::vector<Listener*>& listeners_;
  model::Rng rng_;
  handlers::IoPoints points_;
  std::optional<std::string> jar_;
  int seq_ = 0;
};

// Stored sessions are written through the handler itself, with the clock set back by their age.
handlers::Task<void> ScenarioRun::seed_store() {
  const std::int64_t now = clock_.now_s();
  for (const auto& s : sc_.store) {
    clock_.set(now - s.age_s);
    auto h = backend_.connect(handlers::RequestEnv{&clock_, &points_, 0});
    (void)co_await h->open("", "");
    (void)co_await h->write(s.id, s.data);
    (void)co_await h->close();
  }
  clock_.set(now);
}

handlers::Task<void> ScenarioRun::request(const Request& req, int number,
                                          const model::RunOptions& opts, model::Variant variant) {
  model::RequestContext ctx{opts, variant, std::nullopt};
  if (req.cookie_mode == Request::CookieMode::jar) ctx.cookie = jar_;
  if (req.cookie_mode == Request::CookieMode::explicit_id) ctx.cookie = req.cookie;
  auto engine = model::make_engine(cfg_.engine, ctx, rng_);
  auto handler = backend_.connect(
      handlers::RequestEnv{&clock_, &points_, static_cast<std::uint64_t>(number)});
  Event start;
  start.kind = EventKind::request;
  start.request = number;
  start.lane = req.name;
  start.cookie = ctx.cookie;
  start.origin_request = &req;
  emit(std::move(start));
  std::vector<std::tuple<HandlerCall, Answer, std::int64_t>> log;
  (void)co_await drive(engine->begin_request(), *handler, clock_, log);
  emit_calls(number, 0, req.name, log);
  int step = 0;
  for (const Step& st : req.steps) {
    ++step;
    if (st.call.op == model::Op::advance) clock_.advance(st.call.seconds);
    log.clear();
    model::Outcome out = co_await drive(engine->script(st.call), *handler, clock_, log);
    Event e = state_event(EventKind::script, number, step, req.name, *engine);
    e.call = &st.call;
    e.origin_step = &st;
    e.source = st.source;
    const bool threw = out.thrown.has_value();
    e.outcome = std::move(out);
    emit(std::move(e));
    emit_calls(number, step, req.name, log);
    if (threw) break;  // An uncaught exception ends the script; shutdown still runs.
  }
  log.clear();
  model::Outcome end = co_await drive(engine->end_request(), *handler, clock_, log);
  Event resp = state_event(EventKind::response, number, step + 1, req.name, *engine);
  resp.outcome = std::move(end);
  resp.set_cookies = engine->set_cookies();
  resp.origin_request = &req;
  if (!resp.set_cookies.empty()) jar_ = resp.set_cookies.back();
  emit(std::move(resp));
  emit_calls(number, step + 1, req.name, log);
}

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
  co_await seed_store();
  int number = 0;
  for (const Request& req : sc_.requests) co_await request(req, ++number, opts, variant);
}

}  // namespace

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
