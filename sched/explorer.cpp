#include "sched/explorer.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <stdexcept>

#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"
#include "sched/race_checks.hpp"

namespace ss::sched {

using scenarios::Event;
using scenarios::EventKind;

const Violation* ScheduleRun::first_failure() const {
  for (const auto& v : violations) {
    if (v.failure) return &v;
  }
  return nullptr;
}

namespace {

/// The event stream of one schedule: every event goes to the run's checkers, and is kept only
/// when the run's trace is wanted.
class Collector final : public scenarios::EventSink {
 public:
  Collector(RunJudge& judge, const std::string* scenario, std::vector<Event>* trace)
      : judge_(judge), scenario_(scenario), trace_(trace) {}
  void emit(Event e) override {
    e.seq = seq_++;
    if (trace_ == nullptr) {
      judge_.consume(std::move(e));
      return;
    }
    judge_.observe(e);
    e.scenario = *scenario_;
    trace_->push_back(std::move(e));
  }

 private:
  RunJudge& judge_;
  const std::string* scenario_;
  std::vector<Event>* trace_;
  /// The run header is event 0, whether the trace is kept or not.
  int seq_ = 1;
};

/// Everything one concurrent request owns while it runs.
struct TaskContext {
  TaskContext(Scheduler& s, int task) : points(s, task) {}
  TaskPoints points;
  std::unique_ptr<model::Engine> engine;
  std::unique_ptr<handlers::SessionHandler> handler;
  scenarios::RequestPlan plan;
  std::vector<std::string> cookies;
};

handlers::Task<void> task_body(TaskContext& t, scenarios::EventSink& sink) {
  // The scheduler decides which request starts first.
  co_await t.points.point("start");
  t.cookies = co_await scenarios::run_request(t.plan, sink);
  // The request's handler instance ends with the request (PHP closes its files at the end of a
  // request), releasing any lock an engine that never calls close() left behind.
  t.handler.reset();
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

std::unique_ptr<Explorer> Explorer::make(const scenarios::Scenario& sc, ExploreConfig cfg,
                                         std::string& error) {
  std::unique_ptr<Explorer> e(new Explorer(sc, std::move(cfg)));
  scenarios::RunConfig rc;
  rc.ini = e->cfg_.ini;
  rc.variant = e->cfg_.variant;
  if (auto err = scenarios::resolve_options(sc, rc, e->opts_, e->variant_)) {
    error = *err;
    return nullptr;
  }
  e->tasks_ = static_cast<int>(sc.requests.size());
  e->batches_ = batches_of(sc);
  const bool concurrent = std::any_of(e->batches_.begin(), e->batches_.end(),
                                      [](const auto& b) { return b.size() > 1; });
  if (!concurrent) {
    error = sc.file + ": the scenario has no concurrent block (nothing to interleave)";
    return nullptr;
  }
  handlers::ManualClock clock(sc.clock_start_s);
  auto probe = e->cfg_.factory(clock, e->cfg_.seed);
  if (!probe) {
    error = "--handler " + e->cfg_.handler_uri + ": " + probe.error().reason;
    return nullptr;
  }
  e->guarantees_ = probe.value()->guarantees();
  // The handler as given, not the isolated store of one schedule (a scratch directory or key
  // prefix that is gone when the schedule ends): a replay's trace hash stays reproducible.
  e->head_ = run_event(sc, e->cfg_, e->cfg_.handler_uri, e->opts_, e->variant_);
  e->named_ids_ = named_ids(sc);
  e->client_ids_ = client_ids(sc);
  e->canonical_ = std::make_unique<CanonicalCache>(e->opts_.serialize_handler);
  return e;
}

ScheduleRun Explorer::execute(Strategy& strategy, std::uint64_t index, Mode mode) {
  // Before this schedule starts: the serial runs use the same scheduler.
  const SerialOutcomes* serial = mode == Mode::outcome ? nullptr : &serial_outcomes();
  sched_.reset();
  handlers::ManualClock clock(sc_.clock_start_s);
  auto made = cfg_.factory(clock, cfg_.seed);
  if (!made) throw std::runtime_error("handler " + cfg_.handler_uri + ": " + made.error().reason);
  auto& backend = *made.value();
  handlers::IoPoints plain;
  run_plain(io_, scenarios::seed_store(sc_, backend, clock, plain));
  strategy.begin(index, tasks_);
  ScheduleRun run;
  RunJudge judge(opts_, named_ids_, client_ids_);
  if (mode == Mode::trace) {
    run.events.reserve(events_hint_);
    run.events.push_back(head_);
    run.events.back().scenario = sc_.name;
  }
  Collector sink(judge, &sc_.name, mode == Mode::trace ? &run.events : nullptr);
  model::Rng rng(cfg_.seed);
  auto slot = cfg_.manager == Manager::shared_array
                  ? std::make_shared<std::optional<model::Array>>()
                  : nullptr;
  std::optional<std::string> jar;
  std::exception_ptr failure;
  std::vector<std::unique_ptr<TaskContext>> tasks;
  tasks.reserve(sc_.requests.size());
  // Declared after the tasks, so destroyed before them.
  const SchedulerReset reset_on_exit{sched_};
  RunEnd end = RunEnd::finished;
  int number = 0;
  for (const auto& batch : batches_) {
    for (const scenarios::Request* req : batch) {
      const int id = sched_.add_task();
      auto t = std::make_unique<TaskContext>(sched_, id);
      model::RequestContext ctx{opts_, variant_, scenarios::cookie_for(*req, jar),
                                req->register_shutdown, req->query};
      t->engine = model::make_engine(cfg_.engine, ctx, rng);
      if (slot) t->engine = model::make_shared_slot_engine(std::move(t->engine), slot);
      t->handler = backend.connect(
          handlers::RequestEnv{&clock, &t->points, static_cast<std::uint64_t>(++number)});
      t->plan = scenarios::RequestPlan{
          req, number, ctx.cookie, t->engine.get(), t->handler.get(), &t->points, &clock, true};
      boost::asio::co_spawn(io_, task_body(*t, sink), [this, &failure, id](std::exception_ptr p) {
        if (p && !failure) failure = p;
        sched_.finish(id);
      });
      tasks.push_back(std::move(t));
    }
    end = sched_.run(strategy, cfg_.steps_max);
    if (failure) std::rethrow_exception(failure);
    if (end != RunEnd::finished) break;
    for (std::size_t i = tasks.size() - batch.size(); i < tasks.size(); ++i) {
      if (!tasks[i]->cookies.empty()) jar = tasks[i]->cookies.back();
    }
  }
  strategy.end(sched_.result().schedule.picks.size());
  run.sched = sched_.result();
  run.sched.end = end;
  events_hint_ = std::max(events_hint_, run.events.size());
  if (end == RunEnd::finished) {
    tasks.clear();
    run.final_state = read_state(io_, backend, clock, judge.touched_ids(), named_ids_, *canonical_);
  }
  if (serial != nullptr) judge.finish(run, *serial, guarantees_);
  return run;
}

ScheduleRun Explorer::run_one(Strategy& strategy, std::uint64_t index) {
  return execute(strategy, index, Mode::judge);
}

ScheduleRun Explorer::replay(const Schedule& schedule) {
  return replay(schedule, Mode::trace);
}

ScheduleRun Explorer::replay(const Schedule& schedule, Mode mode) {
  std::string error;
  auto strategy = make_strategy("replay:" + schedule.str(), cfg_.seed, error);
  return execute(*strategy, 0, mode);
}

void Explorer::judge(ScheduleRun& run, handlers::Backend& backend, handlers::ManualClock& clock) {
  RunJudge judge(opts_, named_ids_, client_ids_);
  for (const auto& e : run.events) judge.observe(e);
  if (run.sched.end == RunEnd::finished) {
    run.final_state = read_state(io_, backend, clock, judge.touched_ids(), named_ids_, *canonical_);
  }
  judge.finish(run, serial_outcomes(), guarantees_);
}

// Every serial order of each concurrent batch, run to the end: what "some serial order explains
// the result" allows. Computed once: it does not depend on the schedule being judged.
const SerialOutcomes& Explorer::serial_outcomes() {
  if (serial_) return *serial_;
  std::vector<StoreState> states;
  for (const auto& order : serial_orders(batches_, sc_)) {
    SerialOrder strategy(order);
    ScheduleRun run = execute(strategy, 0, Mode::outcome);
    if (!run.final_state) continue;
    const StoreState& s = *run.final_state;
    if (std::find(states.begin(), states.end(), s) == states.end()) states.push_back(s);
  }
  serial_ = std::make_unique<SerialOutcomes>(describe_serial(std::move(states), sc_));
  return *serial_;
}

std::uint64_t Explorer::trace_hash(const std::vector<Event>& events) {
  std::uint64_t h = 1469598103934665603ULL;
  for (const auto& e : events) {
    for (unsigned char c : scenarios::event_json(e).dump(-1, ' ', true)) {
      h = (h ^ c) * 1099511628211ULL;
    }
    h = (h ^ '\n') * 1099511628211ULL;
  }
  return h;
}

}  // namespace ss::sched
