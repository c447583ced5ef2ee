#include "sched/explorer.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

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

/// Collects the events of one schedule.
class Collector final : public scenarios::EventSink {
 public:
  explicit Collector(const std::string& scenario) : scenario_(scenario) {}
  void emit(Event e) override {
    e.scenario = scenario_;
    e.seq = static_cast<int>(events.size());
    events.push_back(std::move(e));
  }
  std::vector<Event> events;

 private:
  const std::string& scenario_;
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

/// Runs the tasks in the order `order` (a permutation of task ids): serial executions.
class SerialOrder final : public Strategy {
 public:
  explicit SerialOrder(std::vector<int> order) : order_(std::move(order)) {}
  void begin(std::uint64_t, int) override {}
  int choose(const std::vector<int>& ready, int current, std::size_t) override {
    for (int t : order_) {
      if (std::find(ready.begin(), ready.end(), t) != ready.end()) return t;
    }
    return default_choice(ready, current);
  }
  std::string name() const override { return "serial"; }

 private:
  std::vector<int> order_;
};

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

void run_plain(boost::asio::io_context& io, handlers::Task<void> task) {
  std::exception_ptr failure;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr p) { failure = p; });
  io.restart();
  io.run();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

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
  handlers::ManualClock clock(sc.clock_start_s);
  auto probe = e->cfg_.factory(clock, e->cfg_.seed);
  if (!probe) {
    error = "--handler " + e->cfg_.handler_uri + ": " + probe.error().reason;
    return nullptr;
  }
  e->guarantees_ = probe.value()->guarantees();
  e->named_ids_ = named_ids(sc);
  return e;
}

ScheduleRun Explorer::execute(Strategy& strategy, std::uint64_t index, bool judge_run) {
  boost::asio::io_context io;
  Scheduler sched(io);
  handlers::ManualClock clock(sc_.clock_start_s);
  auto made = cfg_.factory(clock, cfg_.seed);
  if (!made) throw std::runtime_error("handler " + cfg_.handler_uri + ": " + made.error().reason);
  auto& backend = *made.value();
  handlers::IoPoints plain;
  run_plain(io, scenarios::seed_store(sc_, backend, clock, plain));
  strategy.begin(index, tasks_);
  Collector sink(sc_.name);
  sink.emit(run_event(sc_, cfg_, backend.uri(), opts_, variant_));
  model::Rng rng(cfg_.seed);
  auto slot = std::make_shared<std::optional<model::Array>>();
  std::optional<std::string> jar;
  std::exception_ptr failure;
  std::vector<std::unique_ptr<TaskContext>> tasks;
  RunEnd end = RunEnd::finished;
  int number = 0;
  for (const auto& batch : batches_of(sc_)) {
    for (const scenarios::Request* req : batch) {
      const int id = sched.add_task();
      auto t = std::make_unique<TaskContext>(sched, id);
      model::RequestContext ctx{opts_, variant_, scenarios::cookie_for(*req, jar)};
      t->engine = model::make_engine(cfg_.engine, ctx, rng);
      if (cfg_.manager == Manager::shared_array) {
        t->engine = model::make_shared_slot_engine(std::move(t->engine), slot);
      }
      t->handler = backend.connect(
          handlers::RequestEnv{&clock, &t->points, static_cast<std::uint64_t>(++number)});
      t->plan = scenarios::RequestPlan{req, number, ctx.cookie, t->engine.get(),
                                       t->handler.get(), &t->points, &clock, true};
      boost::asio::co_spawn(io, task_body(*t, sink), [&failure, &sched, id](std::exception_ptr p) {
        if (p && !failure) failure = p;
        sched.finish(id);
      });
      tasks.push_back(std::move(t));
    }
    end = sched.run(strategy, cfg_.steps_max);
    if (failure) std::rethrow_exception(failure);
    if (end != RunEnd::finished) break;
    for (std::size_t i = tasks.size() - batch.size(); i < tasks.size(); ++i) {
      if (!tasks[i]->cookies.empty()) jar = tasks[i]->cookies.back();
    }
  }
  strategy.end(sched.result().schedule.picks.size());
  ScheduleRun run;
  run.sched = sched.result();
  run.sched.end = end;
  run.events = std::move(sink.events);
  if (end == RunEnd::finished) {
    tasks.clear();
    run.final_state = read_state(io, backend, clock, run.events, named_ids_, opts_);
  }
  if (judge_run) judge(run);
  return run;
}

ScheduleRun Explorer::run_one(Strategy& strategy, std::uint64_t index) {
  return execute(strategy, index, true);
}

ScheduleRun Explorer::replay(const Schedule& schedule) {
  std::string error;
  auto strategy = make_strategy("replay:" + schedule.str(), cfg_.seed, error);
  return execute(*strategy, 0, true);
}

// Every serial order of each concurrent batch, run to the end: what "some serial order explains
// the result" allows. Computed once: it does not depend on the schedule being judged.
const std::vector<StoreState>& Explorer::serial_outcomes() {
  if (serial_) return *serial_;
  serial_.emplace();
  std::vector<std::vector<int>> orders = serial_orders(batches_of(sc_), sc_);
  for (const auto& order : orders) {
    SerialOrder strategy(order);
    ScheduleRun run = execute(strategy, 0, false);
    if (!run.final_state) continue;
    const StoreState& s = *run.final_state;
    if (std::find(serial_->begin(), serial_->end(), s) == serial_->end()) serial_->push_back(s);
  }
  return *serial_;
}

void Explorer::judge(ScheduleRun& run) {
  check_progress(run);
  check_isolation(run);
  check_set_cookie(run);
  check_strict_mode(run, sc_, opts_);
  if (run.final_state) check_serializable(run, serial_outcomes(), sc_, guarantees_);
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
