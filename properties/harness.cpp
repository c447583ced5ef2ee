#include "properties/harness.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <map>
#include <ostream>
#include <utility>

#include "handlers/run_task.hpp"
#include "scenarios/events.hpp"
#include "scenarios/runner.hpp"

namespace ss::properties {

using model::Answer;
using model::HandlerCall;
using model::Method;

namespace {

/// Where the virtual clock of every case starts (the scenarios' default).
constexpr std::int64_t clock_start_s = 1700000000;
/// A failure message lists at most this many of the step's handler calls.
constexpr std::size_t failure_calls_shown_max = 16;

/// Collects the handler calls of one engine procedure for the checks.
class LogObserver final : public scenarios::CallObserver {
 public:
  using Log = std::vector<std::tuple<HandlerCall, Answer, std::int64_t>>;
  explicit LogObserver(Log& log) : log_(log) {}
  handlers::Task<void> before_call(const HandlerCall&) override { co_return; }
  void after_call(int, const HandlerCall& call, const Answer& answer, std::int64_t now_s) override {
    log_.emplace_back(call, answer, now_s);
  }

 private:
  Log& log_;
};

std::string show_outcome(const model::Outcome& o) {
  std::string out = o.thrown ? "throws " + *o.thrown : model::show(o.result);
  for (const auto& d : o.diagnostics) {
    out += " [" + std::string(model::level_name(d.level)) + ": " + d.message + "]";
  }
  return out;
}

HandlerCall make_call(Method m, std::vector<std::string> args = {}) {
  return HandlerCall{m, std::move(args)};
}

/// Performs `calls` in order on one handler, in one coroutine.
handlers::Task<std::vector<Answer>> perform_all(handlers::SessionHandler& h,
                                                const std::vector<HandlerCall>& calls) {
  std::vector<Answer> out;
  out.reserve(calls.size());
  for (const auto& c : calls) {
    Answer a = co_await scenarios::perform(h, c);
    out.push_back(std::move(a));
  }
  co_return out;
}

bool names_an_id(Method m) {
  return m == Method::read || m == Method::write || m == Method::destroy ||
         m == Method::validate_id || m == Method::update_timestamp;
}

}  // namespace

std::string show_call(const model::ScriptCall& call) {
  std::string out(model::op_name(call.op));
  out += '(';
  const auto args = scenarios::script_args(call);
  for (std::size_t i = 0; i < args.size(); ++i) out += (i ? ", " : "") + model::show(args[i]);
  return out + ')';
}

std::string describe(const CaseConfig& cfg) {
  std::string out = "engine=" + std::string(model::engine_name(cfg.engine)) +
                    " variant=" + std::string(model::variant_name(cfg.variant)) +
                    " case_seed=" + std::to_string(cfg.seed);
  const auto defaults = model::RunOptions{}.to_ini();
  for (const auto& [k, v] : cfg.options.to_ini()) {
    auto it = defaults.find(k);
    if (it == defaults.end() || it->second != v) out += " " + k + "=" + v;
  }
  return out;
}

/// One request: the engine under test with its handler instance, and the shadow engine.
struct Harness::Lane {
  std::unique_ptr<model::Engine> sut;
  std::unique_ptr<handlers::SessionHandler> handler;
  std::uint64_t number = 0;
  /// The cookie the request sent, and its script calls so far (the events' step numbers).
  std::optional<std::string> cookie;
  int step = 0;
};

/// Which session lock the current request's handler holds, as far as its calls tell: a
/// serialised handler locks at read() and releases at close() or when it destroys the session.
/// A write to another id, or a failed read, leaves it unknown until the next read or close.
struct Harness::LockTracker {
  std::optional<std::string> held;
  bool known = true;

  void reset() {
    held.reset();
    known = true;
  }
  void track(const HandlerCall& c, const Answer& a) {
    const std::string id = c.args.empty() ? std::string() : c.args[0];
    switch (c.method) {
      case Method::read:
        held = a.ok() ? std::optional<std::string>(id) : std::nullopt;
        known = a.ok();
        return;
      case Method::close: reset(); return;
      case Method::destroy:
        if (held && *held == id) held.reset();
        return;
      case Method::write:
      case Method::update_timestamp:
        if (!held || *held != id) known = false;
        return;
      default: return;
    }
  }
};

Tolerances tolerances_for(const handlers::HandlerSpec&) {
  Tolerances t;
  // The files handler re-creates a session gc removed under its lock: nothing to excuse.
  t.gc_of_held_session = false;
  return t;
}

Harness::Harness(const CaseConfig& cfg, const handlers::HandlerSpec& target, bool checked,
                 Tolerances tolerances)
    : cfg_(cfg),
      checked_(checked),
      clock_(clock_start_s),
      sut_rng_(cfg.seed),
      points_owner_(std::make_unique<NoWaitPoints>()),
      locks_(std::make_unique<LockTracker>()),
      tolerances_(tolerances) {
  points_ = points_owner_.get();
  auto made = handlers::make_isolated(target, cfg.seed, clock_);
  if (!made) {
    failure_ = "setup: " + made.error().reason;
    return;
  }
  backend_ = std::move(made.value());
  const handlers::Guarantees g = backend_->guarantees();
  serialised_ = g.concurrency == handlers::Concurrency::serialised;
  if (g.faults.recovery == handlers::Recovery::lease) lease_ms_ = g.faults.recovery_ms;
  ttl_store_ = g.store.expiry == model::Expiry::ttl;
  ttl_s_ = g.store.ttl_s;
  overlap_allowed_ = g.concurrency == handlers::Concurrency::last_writer_wins;
  if (checked_) {
    judge_ = std::make_unique<scenarios::Judge>(
        scenarios::JudgeOptions{.conformance = true, .expectations = false, .races = nullptr});
    scenarios::RunHeader head;
    head.engine_label = std::string(model::engine_name(cfg.engine));
    head.engine = cfg.engine;
    head.handler = target.text;
    head.variant = cfg.variant;
    head.options = cfg.options;
    head.seed = cfg.seed;
    head.guarantees = g;
    judge_->on_event(scenarios::run_event(std::move(head)));
    seq_ = 1;
  }
  request_started_s_ = clock_.now_s();
  main_ = open_lane(std::nullopt);
  run_phase(*main_, Phase::begin, nullptr);
}

Harness::~Harness() = default;

std::unique_ptr<Harness::Lane> Harness::open_lane(std::optional<std::string> cookie) {
  auto lane = std::make_unique<Lane>();
  lane->number = ++requests_;
  lane->cookie = cookie;
  model::RequestContext ctx{cfg_.options, cfg_.variant, std::move(cookie)};
  lane->sut = model::make_engine(cfg_.engine, ctx, sut_rng_);
  lane->handler = backend_->connect(handlers::RequestEnv{&clock_, points_, lane->number});
  return lane;
}

model::Proc<model::Outcome> Harness::proc_for(model::Engine& e, Phase phase,
                                              const model::ScriptCall* call) {
  switch (phase) {
    case Phase::begin: return e.begin_request();
    case Phase::script: return e.script(*call);
    case Phase::end: break;
  }
  return e.end_request();
}

void Harness::run_phase(Lane& lane, Phase phase, const model::ScriptCall* call) {
  if (failure_ || inconclusive_) return;
  log_.clear();
  LogObserver observer(log_);
  model::Outcome got = handlers::run_task(
      io_,
      scenarios::drive(proc_for(*lane.sut, phase, call), *lane.handler, clock_, observer, steps_));
  if (trace_ != nullptr) print_trace(got);
  std::vector<std::string> held_at_gc;
  if (&lane == main_.get()) held_at_gc = track_locks();
  if (!checked_) return;
  std::set<std::string> existed;
  for (const auto& id : held_at_gc) {
    if (stored().count(id) != 0) existed.insert(id);
  }
  judge_phase(lane, phase, call, std::move(got));
  excuse_gc_of_held(held_at_gc, existed);
}

// The phase as events, in the order a sequential run reports them: the script call (or the
// request's start or end), then its handler calls; the judge settles the step at once.
void Harness::judge_phase(Lane& lane, Phase phase, const model::ScriptCall* call,
                          model::Outcome got) {
  const auto request = static_cast<int>(lane.number);
  const model::Engine& e = *lane.sut;
  scenarios::SessionState state{e.status(), e.session_id(), e.session()};
  int step = 0;
  switch (phase) {
    case Phase::begin: emit(request, step, scenarios::RequestEvent{lane.cookie}); break;
    case Phase::script:
      step = ++lane.step;
      emit(request, step, scenarios::ScriptEvent{call, std::move(got), std::move(state)});
      break;
    case Phase::end:
      step = lane.step + 1;
      emit(request, step,
           scenarios::ResponseEvent{std::move(got), std::move(state), e.set_cookies()});
      break;
  }
  for (const auto& [c, a, now] : log_) {
    remember_ids(c, a);
    emit(request, step, scenarios::HandlerEvent{c, a, now});
  }
  judge_->settle();
  take_judgement();
}

void Harness::emit(int request, int step, scenarios::Event::Payload payload) {
  scenarios::Event e;
  e.request = request;
  e.step = step;
  e.seq = seq_++;
  e.payload = std::move(payload);
  judge_->on_event(e);
}

// The judge's first disagreement becomes the case's failure, told where the case is.
void Harness::take_judgement() {
  const auto& f = judge_->conformance_failure();
  if (f) fail(f->what, f->expected, f->actual);
}

const std::map<std::string, model::StoredSession>& Harness::stored() const {
  return judge_->store().sessions();
}

void Harness::print_trace(const model::Outcome& got) const {
  *trace_ << where_label() << " -> " << show_outcome(got) << "\n";
  for (const auto& [c, a, now] : log_) {
    *trace_ << "    " << model::show(c) << " -> " << model::show(a) << "  @" << now << "\n";
  }
}

// Follows the main request's locks through the phase's calls; returns the sessions it held
// when a gc() ran.
std::vector<std::string> Harness::track_locks() {
  std::vector<std::string> held_at_gc;
  for (const auto& [c, a, now] : log_) {
    if (c.method == Method::gc && serialised_ && locks_->known && locks_->held) {
      held_at_gc.push_back(*locks_->held);
    }
    locks_->track(c, a);
  }
  return held_at_gc;
}

// A session that existed, was held across a gc() that removed it from the reference store, and
// is still held: an excused target stops here (Tolerances::gc_of_held_session).
void Harness::excuse_gc_of_held(const std::vector<std::string>& held_at_gc,
                                const std::set<std::string>& existed) {
  if (!tolerances_.gc_of_held_session || failure_) return;
  for (const auto& id : held_at_gc) {
    if (existed.count(id) != 0 && stored().count(id) == 0 && locks_->held && *locks_->held == id) {
      inconclusive_ = where_label() + ": gc() removed the session '" + id +
                      "' this request holds (excused: Tolerances::gc_of_held_session)";
      return;
    }
  }
}

std::string Harness::where_label() const {
  const std::string step = "step " + std::to_string(where_.step);
  const std::string request = "request " + std::to_string(where_.request);
  const std::string cookie =
      where_.cookie ? "cookie " + model::show(model::Value{*where_.cookie}) : "no cookie";
  switch (where_.kind) {
    case Where::Kind::first_start: return "start of request 1 (no cookie)";
    case Where::Kind::script: return step + " " + show_call(*where_.call) + " in " + request;
    case Where::Kind::end: return step + ": end of " + request;
    case Where::Kind::start: return step + ": start of " + request + " (" + cookie + ")";
    case Where::Kind::overlap_start:
      return step + ": start of overlapping " + request + " (" + cookie + ")";
    case Where::Kind::overlap_script:
      return step + ": " + show_call(*where_.call) + " in overlapping " + request;
    case Where::Kind::overlap_end: return step + ": end of overlapping " + request;
    case Where::Kind::probe: return step + ": another process reads the session";
    case Where::Kind::last_end: return "end of the last request (" + request + ")";
    case Where::Kind::audit:
      return "final audit (every id's existence and data, then every session's age by gc "
             "thresholds, then gc(-1) for sessions the model does not know)";
  }
  return step;
}

void Harness::fail(std::string what, std::string expected, std::string actual) {
  if (failure_) return;
  std::string out =
      where_label() + ": " + what + "\n  expected: " + expected + "\n  actual:   " + actual;
  if (!log_.empty()) out += "\n  handler calls of this step:";
  for (std::size_t i = 0; i < log_.size() && i < failure_calls_shown_max; ++i) {
    const auto& [c, a, now] = log_[i];
    out += "\n    " + model::show(c) + " -> " + model::show(a);
  }
  failure_ = std::move(out);
}

void Harness::remember_ids(const HandlerCall& c, const Answer& a) {
  if (names_an_id(c.method) && !c.args.empty()) known_ids_.insert(c.args[0]);
  if (c.method == Method::create_sid && a.kind == Answer::Kind::string) known_ids_.insert(a.s);
}

void Harness::script(const model::ScriptCall& call) {
  if (failure_ || inconclusive_) return;
  ++steps_;
  where_ = Where{Where::Kind::script, steps_, main_->number, &call, {}};
  if (call.op == model::Op::advance) clock_.advance(call.seconds);
  run_phase(*main_, Phase::script, &call);
}

void Harness::end_lane(Lane& lane) {
  run_phase(lane, Phase::end, nullptr);
  const auto cookies = lane.sut->set_cookies();
  if (!cookies.empty()) jar_ = cookies.back();
}

void Harness::new_request(const CookieChoice& cookie) {
  if (failure_ || inconclusive_) return;
  ++steps_;
  where_ = Where{Where::Kind::end, steps_, main_->number, nullptr, {}};
  end_lane(*main_);
  main_.reset();  // PHP drops the handler instance with the request (files: closes the file).
  locks_->reset();
  std::optional<std::string> sent;
  if (cookie.kind == CookieChoice::Kind::jar) sent = jar_;
  if (cookie.kind == CookieChoice::Kind::explicit_id) sent = cookie.id;
  where_ = Where{Where::Kind::start, steps_, requests_ + 1, nullptr, sent};
  request_started_s_ = clock_.now_s();
  main_ = open_lane(sent);
  run_phase(*main_, Phase::begin, nullptr);
}

void Harness::interleave(const std::vector<model::ScriptCall>& calls) {
  if (failure_ || inconclusive_) return;
  ++steps_;
  std::optional<std::string> cookie = jar_;
  if (!main_->sut->session_id().empty()) cookie = main_->sut->session_id();
  auto lane = open_lane(cookie);
  where_ = Where{Where::Kind::overlap_start, steps_, lane->number, nullptr, cookie};
  run_phase(*lane, Phase::begin, nullptr);
  for (const auto& call : calls) {
    where_ = Where{Where::Kind::overlap_script, steps_, lane->number, &call, {}};
    if (call.op == model::Op::advance) clock_.advance(call.seconds);
    run_phase(*lane, Phase::script, &call);
  }
  where_ = Where{Where::Kind::overlap_end, steps_, lane->number, nullptr, {}};
  end_lane(*lane);
}

std::vector<Answer> Harness::perform(handlers::SessionHandler& h,
                                     const std::vector<HandlerCall>& calls) {
  return handlers::run_task(io_, perform_all(h, calls));
}

// Calls made outside any request (request 0) are judged by the reference store alone.
bool Harness::judged(handlers::SessionHandler& h, const std::vector<HandlerCall>& calls) {
  const std::vector<Answer> answers = perform(h, calls);
  if (!checked_) return true;
  log_.clear();
  for (std::size_t i = 0; i < calls.size() && !failure_; ++i) {
    remember_ids(calls[i], answers[i]);
    emit(0, 0, scenarios::HandlerEvent{calls[i], answers[i], clock_.now_s()});
    take_judgement();
  }
  return !failure_;
}

void Harness::probe() {
  if (failure_ || inconclusive_) return;
  ++steps_;
  where_ = Where{Where::Kind::probe, steps_, requests_ + 1, nullptr, {}};
  if (serialised_ && !locks_->known) return;
  auto h = backend_->connect(handlers::RequestEnv{&clock_, points_, ++requests_});
  const HandlerCall open = make_call(Method::open, {cfg_.options.save_path, cfg_.options.name});
  if (serialised_ && locks_->held) {
    // A lease-based lock (the Redis handler's, phpredis' lock_expire) ends by design once the
    // request has held it for the declared lease: another process may then take the session.
    // The lock is at most as old as the request, so exclusion is owed only while the request
    // is younger than the lease (docs/handlers.md, declared fault behaviour).
    if (lease_ms_ > 0 && (clock_.now_s() - request_started_s_) * 1000 >= lease_ms_) return;
    const std::string& held = *locks_->held;
    const auto answers =
        perform(*h, {open, make_call(Method::read, {held}), make_call(Method::close)});
    if (checked_ && answers[1].ok()) {
      log_.clear();
      fail("read('" + held + "') by another process while this request holds the lock",
           "no success (a serialised handler excludes it)", model::show(answers[1]));
    }
    return;
  }
  const std::string id = main_->sut->session_id();
  if (id.empty()) return;
  (void)judged(*h, {open, make_call(Method::read, {id}), make_call(Method::close)});
}

void Harness::finish() {
  if (failure_ || inconclusive_ || !main_) return;
  ++steps_;
  where_ = Where{Where::Kind::last_end, steps_, main_->number, nullptr, {}};
  end_lane(*main_);
  main_.reset();
  locks_->reset();
  audit();
}

// A fresh handler reads back everything the case touched, so that a wrong store state shows even
// when no later request of the case happened to read it.
void Harness::audit() {
  if (!checked_ || failure_ || inconclusive_) return;
  where_ = Where{Where::Kind::audit, steps_, requests_ + 1, nullptr, {}};
  auto h = backend_->connect(handlers::RequestEnv{&clock_, points_, ++requests_});
  const HandlerCall open = make_call(Method::open, {cfg_.options.save_path, cfg_.options.name});
  // One batch: the calls do not depend on the answers, and judging stops at the first wrong one.
  std::vector<HandlerCall> calls{open};
  for (const auto& id : known_ids_) {
    // Reading a session's non-empty data already proves that it exists.
    const auto it = stored().find(id);
    if (it == stored().end() || it->second.data.empty()) {
      calls.push_back(make_call(Method::validate_id, {id}));
    }
    calls.push_back(make_call(Method::read, {id}));
  }
  calls.push_back(make_call(Method::close));
  calls.push_back(open);
  for (auto& c : age_audit()) calls.push_back(std::move(c));
  calls.push_back(make_call(Method::close));
  if (trace_ != nullptr) *trace_ << where_label() << ": " << calls.size() << " calls\n";
  if (!judged(*h, calls) || !ttl_store_) return;
  audit_ttl(*h, open);
}

// A TTL store cannot be asked for ages through gc(), so the clock moves instead: every session
// must still exist when it is exactly ttl_s old and be gone one second later. Oldest first, so
// the clock only moves forward.
void Harness::audit_ttl(handlers::SessionHandler& h, const HandlerCall& open) {
  std::map<std::int64_t, std::vector<std::string>> by_mtime;
  for (const auto& [id, rec] : stored()) by_mtime[rec.mtime_s].push_back(id);
  for (const auto& [mtime, ids] : by_mtime) {
    if (mtime + ttl_s_ < clock_.now_s()) continue;  // Already gone: the batch above judged it.
    for (const std::int64_t at : {mtime + ttl_s_, mtime + ttl_s_ + 1}) {
      clock_.set(at);
      std::vector<HandlerCall> calls{open};
      for (const auto& id : ids) calls.push_back(make_call(Method::validate_id, {id}));
      calls.push_back(make_call(Method::close));
      if (!judged(h, calls)) return;
    }
  }
}

// gc(age) must keep every session of exactly that age and gc(age - 1) must remove them, which
// pins every session's last write or touch to the second; a last gc(-1) must find nothing the
// reference store does not know. TTL stores do not collect (gc answers 0), so they are skipped.
std::vector<HandlerCall> Harness::age_audit() const {
  if (ttl_store_) return {};
  const std::int64_t now = clock_.now_s();
  std::vector<std::int64_t> ages;
  for (const auto& [id, rec] : stored()) ages.push_back(now - rec.mtime_s);
  std::sort(ages.begin(), ages.end(), std::greater<>());
  ages.erase(std::unique(ages.begin(), ages.end()), ages.end());
  std::vector<HandlerCall> calls;
  for (const std::int64_t age : ages) {
    calls.push_back(make_call(Method::gc, {std::to_string(age)}));
    calls.push_back(make_call(Method::gc, {std::to_string(age - 1)}));
  }
  calls.push_back(make_call(Method::gc, {"-1"}));
  return calls;
}

}  // namespace ss::properties
