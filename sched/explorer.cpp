#include "sched/explorer.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <stdexcept>

#include "handlers/faults.hpp"
#include "handlers/run_task.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"
#include "sched/race_checks.hpp"

namespace ss::sched {

using scenarios::Event;
using scenarios::EventKind;

bool select_engine(const std::string& name, ExploreConfig& cfg) {
  if (name == shared_array_engine) {
    cfg.engine = model::EngineKind::php82;
    cfg.manager = Manager::shared_array;
  } else {
    auto kind = model::parse_engine(name);
    if (!kind) return false;
    cfg.engine = *kind;
    cfg.manager = Manager::per_request;
  }
  cfg.engine_label = name;
  return true;
}

const Violation* ScheduleRun::first_failure() const {
  for (const auto& v : violations) {
    if (v.failure) return &v;
  }
  return nullptr;
}

namespace {

/// The event stream of one schedule: every event goes to the judge, and is kept only when the
/// run's trace is wanted.
class Collector final : public scenarios::EventSink {
 public:
  Collector(scenarios::Judge& judge, std::vector<Event>* trace) : judge_(judge), trace_(trace) {}
  void emit(Event e) override {
    e.seq = seq_++;
    judge_.on_event(e);
    if (trace_ != nullptr) trace_->push_back(std::move(e));
  }

 private:
  scenarios::Judge& judge_;
  std::vector<Event>* trace_;
  /// The run header is event 0, whether the trace is kept or not.
  int seq_ = 1;
};

}  // namespace

/// Everything one concurrent request owns while it runs.
struct TaskContext {
  TaskContext(Scheduler& s, int task) : points(s, task) {}
  TaskPoints points;
  std::unique_ptr<model::Engine> engine;
  std::unique_ptr<handlers::SessionHandler> handler;
  scenarios::RequestPlan plan;
  std::vector<std::string> cookies;
};

namespace {

handlers::Task<void> task_body(TaskContext& t, scenarios::EventSink& sink) {
  // The scheduler decides which request starts first.
  co_await t.points.point("start");
  t.cookies = co_await scenarios::run_request(t.plan, sink);
  // The request's handler instance ends with the request (PHP closes its files at the end of a
  // request), releasing any lock an engine that never calls close() left behind.
  t.handler.reset();
}

/// Injects one schedule's faults as its tasks reach their scheduling points (PointHook), and
/// reports each as a fault event.
class FaultRun final : public PointHook {
 public:
  /// A timed lock wait retries after this much virtual time.
  static constexpr int wait_poll_ms = 10;

  FaultRun(Scheduler& sched, FaultPlanner& planner, handlers::ManualClock& clock,
           handlers::Backend& backend, scenarios::EventSink& sink, const scenarios::Scenario& sc,
           std::vector<std::unique_ptr<TaskContext>>& tasks,
           const std::function<base::Status()>& restart)
      : sched_(sched),
        planner_(planner),
        clock_(clock),
        control_(backend.fault_control()),
        sink_(sink),
        sc_(sc),
        tasks_(tasks),
        restart_(restart) {}

  void on_point(int task, int point, std::string_view what) override;
  void on_crashed(int task) override {
    auto& t = *tasks_.at(static_cast<std::size_t>(task));
    if (t.handler) t.handler->crash();
    t.handler.reset();
  }
  void on_waits_elapsed() override {
    waited_ms_ += wait_poll_ms;
    for (; waited_ms_ >= 1000; waited_ms_ -= 1000) clock_.advance(1);
  }
  void on_resumed(int task) override { at_time(task, latest_point_[task]); }
  [[nodiscard]] std::vector<Fault> struck() && { return std::move(struck_); }
  [[nodiscard]] int points() const { return points_; }
  /// Runs every request at the times `times` says it saw (a serial order that explains a run
  /// by its times): stalls move no clock, each resumption from a point sets it.
  void run_at(const std::map<std::pair<int, int>, std::int64_t>* times) { timed_ = times; }
  /// The requests have ended: records the time (or, timed, sets the clock to the recorded one).
  void requests_ended() { at_time(-1, 0); }
  [[nodiscard]] std::map<std::pair<int, int>, std::int64_t> times() && { return std::move(times_); }

 private:
  void strike(const Fault& f, int task, int point, std::string_view what);
  std::string apply(const Fault& f, std::string_view what);
  void at_time(int task, int point);

  Scheduler& sched_;
  FaultPlanner& planner_;
  handlers::ManualClock& clock_;
  handlers::FaultControl* control_;
  scenarios::EventSink& sink_;
  const scenarios::Scenario& sc_;
  std::vector<std::unique_ptr<TaskContext>>& tasks_;
  const std::function<base::Status()>& restart_;
  std::vector<Fault> struck_;
  int points_ = 0;
  int waited_ms_ = 0;
  const std::map<std::pair<int, int>, std::int64_t>* timed_ = nullptr;
  /// The time each task went on at from each of its points (its last resumption from there).
  std::map<std::pair<int, int>, std::int64_t> times_;
  std::map<int, int> latest_point_;
};

void FaultRun::on_point(int task, int point, std::string_view what) {
  ++points_;
  latest_point_[task] = point;
  if (auto f = planner_.at(task, point, what)) strike(*f, task, point, what);
}

void FaultRun::strike(const Fault& f, int task, int point, std::string_view what) {
  struck_.push_back(f);
  scenarios::FaultEvent e;
  e.kind = f.kind;
  e.point = point;
  e.where = std::string(what);
  e.seconds = f.seconds;
  e.note = apply(f, what);
  e.now_s = clock_.now_s();
  const auto r = static_cast<std::size_t>(task);
  sink_.emit(Event{.request = task + 1,
                   .step = 0,
                   .seq = 0,
                   .lane = r < sc_.requests.size() ? std::string_view(sc_.requests[r].name) : "",
                   .payload = std::move(e)});
}

void FaultRun::at_time(int task, int point) {
  if (timed_ == nullptr) {
    times_[{task, point}] = clock_.now_s();
  } else if (auto it = timed_->find({task, point}); it != timed_->end()) {
    clock_.set(it->second);
  }
}

// What the fault did not manage to do ("" when it struck as meant).
std::string FaultRun::apply(const Fault& f, std::string_view what) {
  using handlers::FaultKind;
  const auto request = static_cast<std::uint64_t>(f.task + 1);
  switch (f.kind) {
    case FaultKind::crash: sched_.crash_later(f.task); return "";
    case FaultKind::skip:
      // A serial order's skipped request: its stalls still pass (serial_outcomes).
      if (timed_ == nullptr) clock_.advance(f.seconds);
      sched_.crash_later(f.task);
      return "";
    case FaultKind::stall:
      // Timed, the recorded times already hold the stall.
      if (timed_ == nullptr) clock_.advance(f.seconds);
      return "";
    case FaultKind::restart: {
      if (!restart_) return "no server of ours to restart";
      base::Status s = restart_();
      return s ? "" : s.error().message;
    }
    default: break;
  }
  if (control_ == nullptr) return "no fault decorator in front of the backend";
  if (f.kind == FaultKind::fail) {
    control_->fail_next(
        request, "injected: the " + std::string(what) + " call fails (fault " + f.str() + ")");
    return "";
  }
  handlers::Status armed = control_->arm(request, *handlers::backend_fault_of(f.kind));
  return armed ? "" : armed.error().reason;
}

/// With faults, a serial order may skip each task that crashed or failed visibly: at most this
/// many of them are considered (2^k serial runs per order).
constexpr std::size_t optional_tasks_max = 4;

/// Adds the states of `some` that `all` lacks, and lists them in `all.shown`.
void add_serial_states(scenarios::SerialOutcomes& all, scenarios::SerialOutcomes some) {
  for (auto& s : some.states) {
    if (std::find(all.states.begin(), all.states.end(), s) != all.states.end()) continue;
    all.shown += " " + s.show();
    all.states.push_back(std::move(s));
  }
}

/// Whether one of `serial`'s states is `run`'s final store.
bool explains(const scenarios::SerialOutcomes& serial, const ScheduleRun& run) {
  return run.final_state && std::find(serial.states.begin(), serial.states.end(),
                                      *run.final_state) != serial.states.end();
}

/// Whether a stall of the run moved the clock.
bool stalled(const ScheduleRun& run) {
  const auto& faults = run.sched.schedule.faults;
  return std::any_of(faults.begin(), faults.end(),
                     [](const Fault& f) { return f.kind == handlers::FaultKind::stall; });
}

/// Resets the scheduler when a schedule ends, normally or by an exception: its parked
/// coroutines refer to the schedule's tasks and backend, which are freed next.
struct SchedulerReset {
  Scheduler& sched;
  ~SchedulerReset() { sched.reset(); }
};

}  // namespace

Explorer::Explorer(const scenarios::Scenario& sc, ExploreConfig cfg)
    : sc_(sc), cfg_(std::move(cfg)) {}

Explorer::~Explorer() = default;

base::Result<std::unique_ptr<Explorer>> Explorer::make(const scenarios::Scenario& sc,
                                                       ExploreConfig cfg) {
  std::unique_ptr<Explorer> e(new Explorer(sc, std::move(cfg)));
  scenarios::RunConfig rc;
  rc.ini = e->cfg_.ini;
  rc.variant = e->cfg_.variant;
  auto resolved = scenarios::resolve_options(sc, rc);
  if (!resolved) return resolved.error();
  e->opts_ = resolved->options;
  e->variant_ = resolved->variant;
  e->tasks_ = static_cast<int>(sc.requests.size());
  e->analysis_ = scenarios::analyse(sc);
  if (!e->analysis_.concurrent) {
    return base::error(sc.file + ": the scenario has no concurrent block (nothing to interleave)");
  }
  handlers::ManualClock clock(sc.clock_start_s);
  auto probe = e->cfg_.factory(clock, e->cfg_.seed);
  if (!probe) return base::error("--handler " + e->cfg_.handler_uri + ": " + probe.error().reason);
  e->guarantees_ = probe.value()->guarantees();
  if (e->cfg_.faults) e->configure_faults(*probe.value());
  scenarios::RunHeader head;
  head.engine_label = e->cfg_.engine_label;
  head.engine = e->cfg_.engine;
  // The handler as given, not the isolated store of one schedule (a scratch directory or key
  // prefix that is gone when the schedule ends): a replay's trace hash stays reproducible.
  head.handler = e->cfg_.handler_uri;
  head.variant = e->variant_;
  head.options = e->opts_;
  head.seed = e->cfg_.seed;
  head.guarantees = e->guarantees_;
  head.scenario = &sc;
  e->head_ = scenarios::run_event(std::move(head));
  e->judge_ = std::make_unique<scenarios::Judge>(
      scenarios::JudgeOptions{.conformance = false,
                              .expectations = false,
                              .races = &e->analysis_,
                              .faults = e->cfg_.faults.has_value()});
  if (e->cfg_.faults) {
    e->serial_judge_ = std::make_unique<scenarios::Judge>(scenarios::JudgeOptions{
        .conformance = false, .expectations = false, .races = &e->analysis_});
  }
  e->canonical_ = std::make_unique<CanonicalCache>(e->opts_.serialize_handler);
  return e;
}

ScheduleRun Explorer::execute(Strategy& strategy, std::uint64_t index, Mode mode,
                              FaultPlanner* planner, const ScheduleRun* timed) {
  const bool faulty = cfg_.faults.has_value();
  // Before this schedule starts: the serial runs use the same scheduler and judge. With faults
  // they depend on the faults that struck, so they run afterwards, judged by a judge of their
  // own.
  const scenarios::SerialOutcomes* serial =
      mode == Mode::outcome || faulty ? nullptr : &serial_outcomes();
  scenarios::Judge& judge = mode == Mode::outcome && faulty ? *serial_judge_ : *judge_;
  sched_.reset();
  handlers::ManualClock clock(sc_.clock_start_s);
  auto made = cfg_.factory(clock, cfg_.seed);
  if (!made) throw std::runtime_error("handler " + cfg_.handler_uri + ": " + made.error().reason);
  auto& backend = *made.value();
  handlers::IoPoints plain;
  handlers::run_task(io_, scenarios::seed_store(sc_, backend, clock, plain));
  strategy.begin(index, tasks_);
  ScheduleRun run;
  judge.on_event(head_);
  if (mode == Mode::trace) {
    run.events.reserve(events_hint_);
    run.events.push_back(head_);
  }
  Collector sink(judge, mode == Mode::trace ? &run.events : nullptr);
  std::vector<std::unique_ptr<TaskContext>> tasks;
  tasks.reserve(sc_.requests.size());
  std::optional<FaultRun> faults;
  if (planner != nullptr) {
    faults.emplace(sched_, *planner, clock, backend, sink, sc_, tasks, cfg_.restart);
    if (timed != nullptr) faults->run_at(&timed->point_times);
    sched_.set_hook(&*faults, true);
  }
  // Declared after the tasks and the faults, so destroyed before them.
  const SchedulerReset reset_on_exit{sched_};
  const RunEnd end = run_batches(strategy, backend, clock, sink, tasks);
  strategy.end(sched_.result().schedule.picks.size());
  run.sched = sched_.take_result();
  run.sched.end = end;
  if (faults) {
    planner->end(faults->points());
    faults->requests_ended();
    run.sched.schedule.faults = std::move(*faults).struck();
    run.point_times = std::move(*faults).times();
    if (handlers::FaultControl* control = backend.fault_control()) control->clear();
  }
  events_hint_ = std::max(events_hint_, run.events.size());
  if (end == RunEnd::finished) {
    tasks.clear();
    if (faulty) outlast_orphans(clock);
    run.final_state = read_state(io_, backend, clock, judge.touched_ids(), analysis_.named_ids,
                                 *canonical_, faulty ? &run.unreadable : nullptr);
  }
  run.end_s = clock.now_s();
  if (mode != Mode::outcome) finish(run, serial);
  return run;
}

// Spawns the requests batch by batch (each batch runs to its end under `strategy` before the
// next begins, carrying the browser's cookie jar), one task per request.
RunEnd Explorer::run_batches(Strategy& strategy, handlers::Backend& backend,
                             handlers::ManualClock& clock, scenarios::EventSink& sink,
                             std::vector<std::unique_ptr<TaskContext>>& tasks) {
  model::Rng rng(cfg_.seed);
  auto slot = cfg_.manager == Manager::shared_array
                  ? std::make_shared<std::optional<model::Array>>()
                  : nullptr;
  std::optional<std::string> jar;
  std::exception_ptr failure;
  RunEnd end = RunEnd::finished;
  int number = 0;
  for (const scenarios::Batch& batch : analysis_.batches) {
    for (std::size_t r = batch.first; r < batch.first + batch.size; ++r) {
      const scenarios::Request& req = sc_.requests[r];
      const int id = sched_.add_task();
      auto t = std::make_unique<TaskContext>(sched_, id);
      model::RequestContext ctx{opts_, variant_, scenarios::cookie_for(req, jar),
                                req.register_shutdown, req.query};
      t->engine = model::make_engine(cfg_.engine, ctx, rng);
      if (slot) t->engine = model::make_shared_slot_engine(std::move(t->engine), slot);
      t->handler = backend.connect(
          handlers::RequestEnv{&clock, &t->points, static_cast<std::uint64_t>(++number)});
      t->plan = scenarios::RequestPlan{
          &req, number, ctx.cookie, t->engine.get(), t->handler.get(), &t->points, &clock, true};
      boost::asio::co_spawn(io_, task_body(*t, sink), [this, &failure, id](std::exception_ptr p) {
        if (p && !failure) failure = p;
        sched_.finish(id);
      });
      tasks.push_back(std::move(t));
    }
    end = sched_.run(strategy, cfg_.steps_max);
    if (failure) std::rethrow_exception(failure);
    if (end != RunEnd::finished) break;
    for (std::size_t i = tasks.size() - batch.size; i < tasks.size(); ++i) {
      if (!tasks[i]->cookies.empty()) jar = tasks[i]->cookies.back();
    }
  }
  return end;
}

// A lock that a crashed request left behind is the handler's to recover within its declared
// bound: the final store is read once that bound has passed (a lease has expired), so that a
// session still unreadable then is one the handler never gives back.
void Explorer::outlast_orphans(handlers::ManualClock& clock) const {
  const handlers::FaultBehaviour& f = guarantees_.faults;
  if (f.recovery == handlers::Recovery::lease) clock.advance(f.recovery_ms / 1000 + 1);
}

// Drops the fault kinds this backend cannot suffer (no decorator, no driver, no local disk, no
// server of ours), and draws stalls just past the bounds a stall can cross: the lock lease and
// the session lifetimes.
void Explorer::configure_faults(handlers::Backend& probe) {
  FaultOptions& o = *cfg_.faults;
  handlers::FaultControl* control = probe.fault_control();
  std::erase_if(o.kinds, [&](handlers::FaultKind k) {
    if (k == handlers::FaultKind::restart) return !cfg_.restart;
    if (k == handlers::FaultKind::fail) return control == nullptr;
    if (auto bf = handlers::backend_fault_of(k))
      return control == nullptr || !control->supports(*bf);
    return false;
  });
  if (o.stalls_s.empty()) {
    const handlers::FaultBehaviour& f = guarantees_.faults;
    if (f.recovery == handlers::Recovery::lease) o.stalls_s.push_back(f.recovery_ms / 1000 + 1);
    o.stalls_s.push_back(opts_.gc_maxlifetime + 1);
    if (guarantees_.store.expiry != model::Expiry::gc_only) {
      o.stalls_s.push_back(guarantees_.store.ttl_s + 1);
    }
    std::sort(o.stalls_s.begin(), o.stalls_s.end());
    o.stalls_s.erase(std::unique(o.stalls_s.begin(), o.stalls_s.end()), o.stalls_s.end());
  }
  if (!o.kinds.empty()) planner_ = random_planner(o, cfg_.seed);
}

// With faults, the serial orders run with the same faults at the same points of each request.
// A stall, though, moves the clock for every request, and where it falls relative to the other
// requests' calls decides what has expired: a request that stalls before its read while
// another writes makes the run read that write fresh, where every serial order (the writer's
// request whole before or after the stall) reads it expired or never. So when those orders do
// not explain a run with a stall, the serial orders that run each request at the very times it
// saw in the run are admitted too: expiry then happens exactly when it did, and a lost update
// that no expiry explains still shows.
void Explorer::finish(ScheduleRun& run, const scenarios::SerialOutcomes* serial) {
  std::optional<scenarios::SerialOutcomes> with_times;
  if (cfg_.faults && run.sched.end == RunEnd::finished) {
    const std::vector<int> optional = judge_->optional_tasks();
    serial = &serial_outcomes(run.sched.schedule.faults, optional);
    if (stalled(run) && !explains(*serial, run)) {
      with_times = *serial;
      add_serial_states(*with_times, timed_serial_outcomes(run, optional));
      serial = &*with_times;
    }
  }
  scenarios::RunEnding ending;
  ending.end = run.sched.end;
  ending.waits = run.sched.waits;
  ending.final_state = &run.final_state;
  ending.serial = serial;
  ending.concurrency = guarantees_.concurrency;
  ending.unreadable = &run.unreadable;
  ending.now_s = run.end_s;
  ending.canonical = [this](const std::string& data) { return canonical_->get(data); };
  judge_->finish_run(ending, run.violations);
}

ScheduleRun Explorer::run_one(Strategy& strategy, std::uint64_t index) {
  if (!planner_) return execute(strategy, index, Mode::judge);
  planner_->begin(index);
  return execute(strategy, index, Mode::judge, planner_.get());
}

ScheduleRun Explorer::replay(const Schedule& schedule) {
  return replay(schedule, Mode::trace);
}

ScheduleRun Explorer::replay(const Schedule& schedule, Mode mode) {
  auto strategy = replay_strategy(schedule);
  if (!cfg_.faults) return execute(*strategy, 0, mode);
  auto planner = replay_planner(schedule.faults);
  return execute(*strategy, 0, mode, planner.get());
}

void Explorer::judge(ScheduleRun& run, handlers::Backend& backend, handlers::ManualClock& clock) {
  // First: computing them runs schedules, which use the judge.
  const scenarios::SerialOutcomes& serial = serial_outcomes();
  judge_->on_event(head_);
  for (const auto& e : run.events) judge_->on_event(e);
  if (run.sched.end == RunEnd::finished) {
    run.final_state =
        read_state(io_, backend, clock, judge_->touched_ids(), analysis_.named_ids, *canonical_);
  }
  finish(run, &serial);
}

// Every serial order of each concurrent batch, run to the end: what "some serial order explains
// the result" allows. Computed once: it does not depend on the schedule being judged.
const scenarios::SerialOutcomes& Explorer::serial_outcomes() {
  if (serial_) return *serial_;
  serial_ = std::make_unique<scenarios::SerialOutcomes>(
      scenarios::serial_outcomes(analysis_, [this](const std::vector<int>& order) {
        SerialOrder strategy(order);
        return execute(strategy, 0, Mode::outcome).final_state;
      }));
  return *serial_;
}

const scenarios::SerialOutcomes& Explorer::serial_outcomes(const std::vector<Fault>& faults,
                                                           const std::vector<int>& optional) {
  // Serial outcomes are cached per combination of faults and skipped tasks, up to a bound.
  constexpr std::size_t cache_entries_max = 256;
  std::string key;
  for (const auto& f : faults) key += f.str() + ",";
  key += "|";
  for (std::size_t i = 0; i < std::min(optional.size(), optional_tasks_max); ++i) {
    key += std::to_string(optional[i]) + ",";
  }
  if (auto it = fault_serial_.find(key); it != fault_serial_.end()) return it->second;
  if (fault_serial_.size() >= cache_entries_max) fault_serial_.clear();
  return fault_serial_.emplace(std::move(key), serial_with_faults(faults, optional, nullptr))
      .first->second;
}

scenarios::SerialOutcomes Explorer::timed_serial_outcomes(const ScheduleRun& timed,
                                                          const std::vector<int>& optional) {
  return serial_with_faults(timed.sched.schedule.faults, optional, &timed);
}

scenarios::SerialOutcomes Explorer::serial_with_faults(const std::vector<Fault>& faults,
                                                       const std::vector<int>& optional,
                                                       const ScheduleRun* timed) {
  // Each optional task ran or did not: 2^k combinations, k bounded.
  const std::size_t k = std::min(optional.size(), optional_tasks_max);
  scenarios::SerialOutcomes all;
  for (std::size_t mask = 0; mask < (std::size_t{1} << k); ++mask) {
    std::vector<Fault> plan;
    for (std::size_t i = 0; i < k; ++i) {
      if ((mask & (std::size_t{1} << i)) == 0) continue;
      // Time passes for everyone: a skipped request's stalls still move the clock.
      std::int64_t stalled_s = 0;
      for (const auto& f : faults) {
        if (f.task == optional[i] && f.kind == handlers::FaultKind::stall) stalled_s += f.seconds;
      }
      plan.push_back(Fault{optional[i], 1, handlers::FaultKind::skip, stalled_s});
    }
    plan.insert(plan.end(), faults.begin(), faults.end());
    auto some = scenarios::serial_outcomes(analysis_, [&](const std::vector<int>& order) {
      SerialOrder strategy(order);
      auto planner = replay_planner(plan);
      return execute(strategy, 0, Mode::outcome, planner.get(), timed).final_state;
    });
    add_serial_states(all, std::move(some));
  }
  all.property = analysis_.serial_property;
  all.disjoint_keys = analysis_.disjoint_keys;
  return all;
}

std::uint64_t Explorer::trace_hash(const std::vector<Event>& events) {
  const std::string_view scenario = !events.empty() && events.front().kind() == EventKind::run
                                        ? scenarios::scenario_name(events.front().run())
                                        : std::string_view();
  std::uint64_t h = 1469598103934665603ULL;
  for (const auto& e : events) {
    for (unsigned char c : scenarios::event_json(e, scenario).dump(-1, ' ', true)) {
      h = (h ^ c) * 1099511628211ULL;
    }
    h = (h ^ '\n') * 1099511628211ULL;
  }
  return h;
}

}  // namespace ss::sched
