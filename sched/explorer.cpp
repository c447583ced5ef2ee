#include "sched/explorer.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <stdexcept>

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
      scenarios::JudgeOptions{.conformance = false, .expectations = false, .races = &e->analysis_});
  e->canonical_ = std::make_unique<CanonicalCache>(e->opts_.serialize_handler);
  return e;
}

ScheduleRun Explorer::execute(Strategy& strategy, std::uint64_t index, Mode mode) {
  // Before this schedule starts: the serial runs use the same scheduler and judge.
  const scenarios::SerialOutcomes* serial = mode == Mode::outcome ? nullptr : &serial_outcomes();
  sched_.reset();
  handlers::ManualClock clock(sc_.clock_start_s);
  auto made = cfg_.factory(clock, cfg_.seed);
  if (!made) throw std::runtime_error("handler " + cfg_.handler_uri + ": " + made.error().reason);
  auto& backend = *made.value();
  handlers::IoPoints plain;
  handlers::run_task(io_, scenarios::seed_store(sc_, backend, clock, plain));
  strategy.begin(index, tasks_);
  ScheduleRun run;
  judge_->on_event(head_);
  if (mode == Mode::trace) {
    run.events.reserve(events_hint_);
    run.events.push_back(head_);
  }
  Collector sink(*judge_, mode == Mode::trace ? &run.events : nullptr);
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
  strategy.end(sched_.result().schedule.picks.size());
  run.sched = sched_.take_result();
  run.sched.end = end;
  events_hint_ = std::max(events_hint_, run.events.size());
  if (end == RunEnd::finished) {
    tasks.clear();
    run.final_state =
        read_state(io_, backend, clock, judge_->touched_ids(), analysis_.named_ids, *canonical_);
  }
  if (serial != nullptr) finish(run, serial);
  return run;
}

void Explorer::finish(ScheduleRun& run, const scenarios::SerialOutcomes* serial) {
  scenarios::RunEnding ending;
  ending.end = run.sched.end;
  ending.waits = run.sched.waits;
  ending.final_state = &run.final_state;
  ending.serial = serial;
  ending.concurrency = guarantees_.concurrency;
  judge_->finish_run(ending, run.violations);
}

ScheduleRun Explorer::run_one(Strategy& strategy, std::uint64_t index) {
  return execute(strategy, index, Mode::judge);
}

ScheduleRun Explorer::replay(const Schedule& schedule) {
  return replay(schedule, Mode::trace);
}

ScheduleRun Explorer::replay(const Schedule& schedule, Mode mode) {
  auto strategy = replay_strategy(schedule);
  return execute(*strategy, 0, mode);
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
