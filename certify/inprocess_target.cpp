// Targets for in-process backends: every handler URI the registry makes (memory, files:DIR,
// table:NAME, sqlite:PATH, redis://..., exec:COMMAND, mutant:NAME+BASE), each scenario, case
// and schedule in a fresh isolated store (handlers/registry.hpp, isolated_factory).

#include "certify/inprocess_target.hpp"

#include <algorithm>

#include "certify/battery.hpp"
#include "certify/handlers.hpp"
#include "certify/replay.hpp"
#include "certify/sid_check.hpp"
#include "handlers/registry.hpp"
#include "handlers/testing/faulty.hpp"
#include "properties/property.hpp"
#include "properties/replay_token.hpp"
#include "scenarios/replay.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"

namespace ss::certify {

namespace {

class ExplorerSession final : public RaceSession {
 public:
  ExplorerSession(std::unique_ptr<sched::Explorer> ex, std::unique_ptr<sched::Strategy> strategy,
                  scenarios::ReplayLine replay)
      : ex_(std::move(ex)), strategy_(std::move(strategy)), replay_(std::move(replay)) {}

  // The explorer throws when the per-schedule backend factory fails (a server that went away,
  // a store directory that was removed): that is an error value here.
  std::optional<sched::ScheduleRun> run_one(std::uint64_t index, std::string& error) override {
    try {
      return ex_->run_one(*strategy_, index);
    } catch (const std::exception& e) {
      error = e.what();
      return std::nullopt;
    }
  }
  std::string replay(const sched::ScheduleRun& run) override { return line(shrunk(run)); }
  // The shrunk schedule replayed once more, for its trace: the run itself kept no events.
  RaceEvidence evidence(const sched::ScheduleRun& run, const std::string& property) override {
    const sched::Schedule s = shrunk(run);
    RaceEvidence ev;
    ev.property = property;
    ev.schedule = s.str();
    ev.replay = line(s);
    try {
      std::string scenario;
      for (const scenarios::Event& e : ex_->replay(s).events) {
        if (e.kind() == scenarios::EventKind::run) {
          scenario = std::string(scenarios::scenario_name(e.run()));
        }
        ev.trace.push_back(scenarios::event_json(e, scenario));
      }
    } catch (const std::exception&) {
      // A backend that cannot be made any more: the row keeps its replay line, without lanes.
      ev.trace = nlohmann::json::array();
    }
    return ev;
  }
  handlers::Concurrency concurrency() const override { return ex_->guarantees().concurrency; }

 private:
  // Only a failing run can be shrunk (shrinking keeps the failure); others replay as they ran,
  // and so does a failing one whose shrinking cannot make backends any more.
  sched::Schedule shrunk(const sched::ScheduleRun& run) {
    try {
      if (run.first_failure()) return ex_->shrink(run);
    } catch (const std::exception&) {
    }
    return run.sched.schedule;
  }
  std::string line(const sched::Schedule& s) const {
    scenarios::ReplayLine out = replay_;
    out.schedule = s.str();
    return out.str();
  }

  std::unique_ptr<sched::Explorer> ex_;
  std::unique_ptr<sched::Strategy> strategy_;
  /// The replay line of this scenario, without a schedule.
  scenarios::ReplayLine replay_;
};

}  // namespace

InProcessTarget::InProcessTarget(std::string uri, sched::BackendFactory factory)
    : uri_(std::move(uri)),
      own_factory_(static_cast<bool>(factory)),
      plain_factory_(factory ? std::move(factory) : handlers::isolated_factory(uri_)),
      health_(std::make_shared<Health>()),
      factory_(watched(plain_factory_, health_)) {}

std::optional<Diagnosis> InProcessTarget::probe() {
  // An exec: handler is a process of the handler's own: when it hangs or dies, the handler
  // failed. Every other backend that cannot be reached is infrastructure.
  return probe_backend(plain_factory_, own_process(uri_));
}

// A connection error is the diagnosis itself, not a reason to probe: a handler that hangs only
// on some calls would pass a probe and cost its timeout again on every later scenario.
std::optional<Diagnosis> InProcessTarget::check_health() {
  if (!health_->alarm()) return std::nullopt;
  Diagnosis d{health_->alarm()->reason, own_process(uri_)};
  health_->reset();
  return d;
}

DeclaredGuarantees InProcessTarget::guarantees() {
  handlers::ManualClock clock(0);
  auto backend = plain_factory_(clock, 1);
  if (!backend) return {handlers::Guarantees{}, all_guarantee_fields()};
  // An exec: handler may declare some fields in its hello; the rest stay assumed.
  const auto declared_by = backend.value()->declared_by();
  std::vector<std::string> assumed = assumed_guarantees(uri_);
  std::erase_if(assumed, [&](const std::string& key) { return declared_by.count(key) > 0; });
  DeclaredGuarantees out{backend.value()->guarantees(), std::move(assumed)};
  out.declared_by = declared_by;
  return out;
}

ScenarioOutcome InProcessTarget::run_scenario(const scenarios::Scenario& sc, std::uint64_t seed,
                                              scenarios::Listener* trace) {
  ScenarioOutcome out;
  handlers::ManualClock clock(sc.clock_start_s);
  auto backend = factory_(clock, seed);
  if (!backend) {
    out.error = backend.error().reason;
    return out;
  }
  scenarios::Judge judge;
  std::vector<scenarios::Listener*> listeners{&judge};
  if (trace) listeners.push_back(trace);
  scenarios::RunConfig cfg;
  cfg.seed = seed;
  try {
    auto ran = scenarios::run_scenario(sc, cfg, *backend.value(), clock, listeners);
    if (!ran) {
      out.error = ran.error().message;
      return out;
    }
  } catch (const std::exception& e) {
    // Handlers answer with values; an exception is a bug or exhaustion (std::bad_alloc).
    out.error = std::string("the run threw: ") + e.what();
    return out;
  }
  out.failure = judge.first_failure();
  return out;
}

std::string InProcessTarget::scenario_replay(const std::string& file, std::uint64_t seed) const {
  return scenarios::ReplayLine{"check", file, {}, uri_, seed, {}, {}, {}, {}}.str();
}

std::vector<ContractSuite> InProcessTarget::contract_suites() const {
  std::vector<ContractSuite> out;
  for (const model::EngineKind engine : engines_for(uri_)) {
    const std::string name(model::engine_name(engine));
    out.push_back(
        {"L2.contract." + name, "storage contract: random sequences (" + name + ")", name});
  }
  handlers::ManualClock clock(0);
  auto backend = plain_factory_(clock, 1);
  if (backend && backend.value()->capabilities().create_sid) out.push_back(create_sid_suite());
  return out;
}

ContractResult InProcessTarget::run_contract(const ContractSuite& suite, const Plan& plan) {
  if (suite.id == create_sid_suite().id) return run_create_sid(plan);
  properties::PropertySpec spec{uri_, *model::parse_engine(suite.engine), {}};
  properties::RunParams params;
  params.seed = plan.seed;
  params.max_success = plan.budgets.cases;
  const properties::PropertyResult r = properties::run_property(spec, params);
  ContractResult out;
  out.passed = r.passed;
  out.cases = static_cast<std::size_t>(std::max(r.cases, 0));
  out.evidence = r.passed ? std::to_string(r.cases) + " generated cases agree with the model"
                          : r.description.substr(0, 2000);
  if (!r.passed) out.counterexample = r.counterexample;
  if (!r.passed && !r.reproduce.empty()) {
    out.replay = properties::replay_command(r.reproduce);
  }
  return out;
}

// Each "process" is a fresh backend with a seed of its own (an exec: handler's is a process).
ContractResult InProcessTarget::run_create_sid(const Plan& plan) {
  std::vector<std::string> ids;
  const auto error = backend_sids(factory_, plan.seed, sid_calls, sid_calls_per_process, ids);
  const model::RunOptions ini;
  ContractResult out =
      error ? ContractResult{false, 0, *error, {}, {}}
            : judge_sids(ids, sid_calls_per_process, ini.sid_length, ini.sid_bits_per_character);
  if (!out.passed) out.replay = rerun_row_line(plan, uri_, create_sid_suite().id, 2);
  return out;
}

std::size_t InProcessTarget::race_schedules(const Budgets& budgets) const {
  return budgets.schedules;
}

std::unique_ptr<RaceSession> InProcessTarget::race(const scenarios::Scenario& sc, const Plan& plan,
                                                   std::string& error) {
  sched::ExploreConfig cfg;
  cfg.handler_uri = uri_;
  cfg.seed = plan.seed;
  cfg.factory = factory_;
  auto ex = sched::Explorer::make(sc, cfg);
  if (!ex) {
    error = ex.error().message;
    return nullptr;
  }
  auto strategy = sched::make_strategy("portfolio", plan.seed);
  if (!strategy) {
    error = strategy.error().message;
    return nullptr;
  }
  return std::make_unique<ExplorerSession>(
      std::move(ex.value()), std::move(strategy.value()),
      scenarios::ReplayLine{"explore", sc.file, {}, uri_, plan.seed, {}, {}, {}, {}});
}

// Faults that reach the handler go through the fault decorator, which `explore --faults` puts in
// front of a URI without one: the replay line's explore run makes the same backend. The stores
// are not watched for health: the faults themselves make calls fail with connection errors and
// timeouts (a reset, a busy database); a server that is really gone makes the factory fail,
// and the row an error naming it.
std::unique_ptr<RaceSession> InProcessTarget::fault_race(const scenarios::Scenario& sc,
                                                         const Plan& plan,
                                                         const sched::FaultOptions& faults,
                                                         std::string& error, std::string& skipped) {
  // The registry puts the decorator right in front of the base, inside the isolation, where it
  // reaches the base's fault driver (Redis CLIENT KILL, SQLite's second connection) and where
  // the URI's own decorators (a mutant) see its failures as the base's.
  sched::BackendFactory factory;
  if (!own_factory_) {
    // L4 needs the decorator whichever program runs it (idempotent, and certify makes its
    // backends on one thread).
    handlers::register_faults();
    auto spec = handlers::parse_handler_spec(uri_);
    if (!spec) {
      error = spec.error().reason;
      return nullptr;
    }
    factory = handlers::isolated_factory(handlers::with_fault_decorator(std::move(spec.value())));
  } else {
    factory = [plain = plain_factory_](
                  handlers::Clock& clock,
                  std::uint64_t seed) -> handlers::Result<std::unique_ptr<handlers::Backend>> {
      auto backend = plain(clock, seed);
      if (!backend) return backend;
      return handlers::make_faulty("none", std::move(backend.value()));
    };
  }
  sched::ExploreConfig cfg;
  cfg.handler_uri = uri_;
  cfg.seed = plan.seed;
  cfg.factory = std::move(factory);
  cfg.faults = faults;
  auto ex = sched::Explorer::make(sc, cfg);
  if (!ex) {
    error = ex.error().message;
    return nullptr;
  }
  if (ex.value()->faults() == nullptr || ex.value()->faults()->kinds.empty()) {
    skipped = "the handler cannot suffer the scenario's faults (" + sc.faults + ")";
    return nullptr;
  }
  auto strategy = sched::make_strategy("portfolio", plan.seed);
  if (!strategy) {
    error = strategy.error().message;
    return nullptr;
  }
  scenarios::ReplayLine line{"explore", sc.file, {}, uri_, plan.seed, {}, {}, {}, {}};
  line.faults = faults.spec;
  return std::make_unique<ExplorerSession>(std::move(ex.value()), std::move(strategy.value()),
                                           std::move(line));
}

}  // namespace ss::certify
