// PHP's own session modules as certification targets: L1 runs the shipped scenarios in
// real-engine mode through one persistent PHP worker, L2 the differential generator's scenarios,
// L3 the race catalogue with real concurrent PHP processes (oracle/race_runner.hpp).

#include "certify/php_target.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>

#include "base/child_process.hpp"
#include "oracle/race_runner.hpp"
#include "oracle/real_engine.hpp"
#include "oracle/scenario_gen.hpp"
#include "oracle/worker_pool.hpp"
#include "scenarios/replay.hpp"

namespace ss::certify {

namespace {

namespace fs = std::filesystem;

/// How long L2 on a real module may spend shrinking a counterexample.
constexpr std::chrono::seconds php_shrink_budget{30};
/// One request of a real module may take this long; a request that hangs (a module waiting for
/// a lock it holds itself) fails after it instead of stalling the certificate.
constexpr int php_request_timeout_s = 3;

std::string oracle_replay(const std::string& file, const std::string& uri, std::uint64_t seed,
                          const std::string& schedule = {}, const std::string& faults = {}) {
  return scenarios::ReplayLine{"oracle", file, {}, uri, seed, {}, {}, schedule, faults}.str();
}

/// Where a generated counterexample is kept for its replay line: the report directory, or the
/// temporary directory (the scratch directory is removed at the end).
std::string save_counterexample(const Plan& plan, const std::string& uri, const std::string& text) {
  std::string name = "counterexample-" + uri;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  }
  const fs::path dir =
      plan.report_dir.empty() ? fs::temp_directory_path() : fs::path(plan.report_dir);
  const fs::path file = dir / (name + ".scn");
  std::ofstream(file, std::ios::trunc) << text;
  return file.string();
}

class ProcessSession final : public RaceSession {
 public:
  ProcessSession(std::unique_ptr<oracle::RaceRunner> runner,
                 std::unique_ptr<sched::Strategy> strategy, std::string file, std::string uri,
                 std::uint64_t seed)
      : runner_(std::move(runner)),
        strategy_(std::move(strategy)),
        file_(std::move(file)),
        uri_(std::move(uri)),
        seed_(seed) {}

  std::optional<sched::ScheduleRun> run_one(std::uint64_t index, std::string& error) override {
    try {
      return runner_->run_one(*strategy_, index);
    } catch (const std::exception& ex) {
      error = std::string("real PHP could not run it: ") + ex.what();
      return std::nullopt;
    }
  }
  // Schedules of real processes are not shrunk: the failing one is replayed as it ran.
  std::string replay(const sched::ScheduleRun& failing) override {
    const sched::FaultOptions* faults = runner_->faults();
    return oracle_replay(file_, uri_, seed_, failing.sched.schedule.str(),
                         faults ? faults->spec : std::string());
  }
  handlers::Concurrency concurrency() const override { return runner_->guarantees().concurrency; }

 private:
  std::unique_ptr<oracle::RaceRunner> runner_;
  std::unique_ptr<sched::Strategy> strategy_;
  std::string file_;
  std::string uri_;
  std::uint64_t seed_;
};

}  // namespace

std::optional<std::string> php_version(const std::string& php) {
  constexpr int version_timeout_ms = 10'000;
  const base::ProcessResult r =
      base::run_process({php, "-n", "-r", "echo PHP_VERSION;"}, version_timeout_ms);
  if (!r.ok() || r.out.empty() || r.out.size() > 64) return std::nullopt;
  return r.out;
}

PhpModuleTarget::PhpModuleTarget(oracle::PhpModuleUri module, const std::string& work_dir)
    : PhpModuleTarget(std::move(module), work_dir, OwnProcesses{}) {
  worker_ = std::make_unique<oracle::PhpWorker>(setup_);
  setup_.worker = worker_.get();
}

PhpModuleTarget::PhpModuleTarget(oracle::PhpModuleUri module, const std::string& work_dir,
                                 OwnProcesses)
    : module_(std::move(module)) {
  setup_.harness_dir = oracle::find_harness_dir("");
  setup_.work_dir = work_dir;
  setup_.php_args = module_.php_args();
  setup_.env = module_.php_env(work_dir);
  setup_.timeout_s = php_request_timeout_s;
  ::mkdir(work_dir.c_str(), 0700);
  store_ = module_.isolated(work_dir, "seq");
}

PhpModuleTarget::~PhpModuleTarget() {
  // The last scenario's sessions are not left in the server (files go with the scratch dir).
  std::string error;
  if (worker_) {
    (void)oracle::reset_module_store(*worker_, store_, {{"save_path", store_.save_path}}, {}, 0,
                                     error);
  }
}

// sessionspec declares what a module promises from its documented behaviour (php_module.hpp):
// nothing is assumed. The TTL of phpredis is PHP's default gc_maxlifetime here; each scenario
// judges by its own.
DeclaredGuarantees PhpModuleTarget::guarantees() {
  return {module_.guarantees(model::RunOptions{}), {}};
}

std::optional<Diagnosis> PhpModuleTarget::probe() {
  // Emptying the module's store runs PHP with the module and reaches its server.
  std::string error;
  if (!oracle::reset_module_store(*worker_, store_, {{"save_path", store_.save_path}}, {}, 0,
                                  error)) {
    return Diagnosis{"real PHP cannot use the module: " + error, false};
  }
  return std::nullopt;
}

ScenarioOutcome PhpModuleTarget::run_scenario(const scenarios::Scenario& sc, std::uint64_t seed,
                                              scenarios::Listener* trace) {
  ScenarioOutcome out;
  std::vector<scenarios::Listener*> listeners;
  if (trace) listeners.push_back(trace);
  auto r = oracle::run_real_engine(sc, module_, store_, setup_, seed, listeners);
  if (!r) {
    out.error = "real PHP could not run it: " + r.error().message;
  } else {
    out.failure = std::move(r->failure);
    out.skipped = r->skipped;
  }
  return out;
}

std::string PhpModuleTarget::scenario_replay(const std::string& file, std::uint64_t seed) const {
  return oracle_replay(file, module_.uri, seed);
}

std::vector<ContractSuite> PhpModuleTarget::contract_suites() const {
  return {{"L2.generated", "storage contract: generated scenarios in real PHP", "php-8.2"}};
}

oracle::ModuleSetup PhpModuleTarget::lane_store(const oracle::PoolLane& lane) const {
  return module_.isolated(lane.setup.work_dir, "l2-" + std::to_string(lane.index));
}

ContractResult PhpModuleTarget::run_contract(const ContractSuite&, const Plan& plan) {
  if (!worker_) return run_contract_own_processes(plan);
  if (!pool_) {
    oracle::OracleSetup setup = setup_;
    setup.worker = nullptr;
    setup.work_dir = setup_.work_dir + "/l2";
    pool_ = std::make_unique<oracle::WorkerPool>(setup, plan.budgets.jobs);
  }
  // Faults test PHP's reaction, not the module (real-engine mode skips them): none drawn.
  const auto draw = [] { return oracle::scn_text(*oracle::gen_scenario({.faults = false})); };
  const auto judge = [&](const std::string& text,
                         oracle::PoolLane& lane) -> std::optional<std::string> {
    auto parsed = scenarios::parse_scenario(text, "generated.scn");
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) return e->str();
    auto r = oracle::run_real_engine(std::get<scenarios::Scenario>(parsed), module_,
                                     lane_store(lane), lane.setup, plan.seed, {});
    if (!r) return "PHP could not run it: " + r.error().message;
    if (r->failure) return r->failure->str();
    return std::nullopt;
  };
  std::string message;
  // Shrinking reruns real PHP for every candidate (a hanging one for the whole timeout): it
  // stops after the budget and keeps the smallest failing case so far.
  oracle::PooledCheck check;
  check.shrink_budget = php_shrink_budget;
  const auto cases = static_cast<std::uint64_t>(plan.budgets.cases);
  ContractResult out;
  out.passed = oracle::check_cases_pooled("L2.generated " + module_.uri, cases, plan.seed, *pool_,
                                          draw, judge, message, &check);
  // The lanes' sessions are not left in the server (files go with the scratch dir).
  for (std::size_t i = 0; i < pool_->size(); ++i) {
    std::string ignored;
    auto& lane = pool_->lane(i);
    (void)oracle::reset_module_store(*lane.worker, lane_store(lane),
                                     {{"save_path", lane_store(lane).save_path}}, {}, 0, ignored);
  }
  if (out.passed) {
    out.cases = cases;
    out.evidence = std::to_string(cases) + " generated scenarios in real PHP agree with the " +
                   "reference store and the model";
  } else {
    out.evidence = check.failure.empty() ? message : check.failure;
    if (!check.failing_text.empty()) {
      out.replay = oracle_replay(save_counterexample(plan, module_.uri, check.failing_text),
                                 module_.uri, plan.seed);
    }
  }
  return out;
}

// A user's class runs each request in a PHP process of its own (no persistent worker to pool):
// its generated cases run one after another, as RapidCheck draws them.
ContractResult PhpModuleTarget::run_contract_own_processes(const Plan& plan) {
  std::string last_text, last_failure;
  std::optional<std::chrono::steady_clock::time_point> failed_at;
  const auto property = [&] {
    // Faults test PHP's reaction, not the module (real-engine mode skips them): none drawn.
    const std::string text = oracle::scn_text(*oracle::gen_scenario({.faults = false}));
    // Shrinking reruns real PHP for every candidate (a hanging one for the whole timeout):
    // after the budget every candidate passes, so RapidCheck keeps the smallest one so far.
    if (failed_at && std::chrono::steady_clock::now() - *failed_at > php_shrink_budget) return;
    auto parsed = scenarios::parse_scenario(text, "generated.scn");
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) RC_FAIL(e->str());
    auto r = oracle::run_real_engine(std::get<scenarios::Scenario>(parsed), module_, store_, setup_,
                                     plan.seed, {});
    if (!r || r->failure) {
      // The last failing case RapidCheck tries is the shrunk counterexample it reports.
      last_text = text;
      last_failure = r ? r->failure->str() : "PHP could not run it: " + r.error().message;
      if (!failed_at) failed_at = std::chrono::steady_clock::now();
      RC_FAIL(last_failure);
    }
  };
  std::string message;
  const auto cases = static_cast<std::uint64_t>(plan.budgets.cases);
  ContractResult out;
  out.passed =
      oracle::check_cases("L2.generated " + module_.uri, cases, plan.seed, property, message);
  if (out.passed) {
    out.cases = cases;
    out.evidence = std::to_string(cases) + " generated scenarios in real PHP agree with the " +
                   "reference store and the model";
  } else {
    out.evidence = last_failure.empty() ? message : last_failure;
    if (!last_text.empty()) {
      out.replay =
          oracle_replay(save_counterexample(plan, module_.uri, last_text), module_.uri, plan.seed);
    }
  }
  return out;
}

std::size_t PhpModuleTarget::race_schedules(const Budgets& budgets) const {
  return budgets.process_schedules;
}

std::unique_ptr<RaceSession> PhpModuleTarget::fault_race(const scenarios::Scenario& sc,
                                                         const Plan& plan,
                                                         const sched::FaultOptions& faults,
                                                         std::string& error, std::string& skipped) {
  const bool crash = std::find(faults.kinds.begin(), faults.kinds.end(),
                               handlers::FaultKind::crash) != faults.kinds.end();
  if (!crash) {
    skipped = "real PHP processes get the crash fault only (SIGKILL); faults " + faults.spec +
              " are injected into in-process handlers";
    return nullptr;
  }
  // The row explores what it injects, and its replay line says so.
  sched::FaultOptions crash_only = faults;
  crash_only.kinds = {handlers::FaultKind::crash};
  crash_only.spec = "crash";
  return process_session(sc, plan, &crash_only, error);
}

std::unique_ptr<RaceSession> PhpModuleTarget::race(const scenarios::Scenario& sc, const Plan& plan,
                                                   std::string& error) {
  return process_session(sc, plan, nullptr, error);
}

std::unique_ptr<RaceSession> PhpModuleTarget::process_session(const scenarios::Scenario& sc,
                                                              const Plan& plan,
                                                              const sched::FaultOptions* faults,
                                                              std::string& error) {
  oracle::OracleSetup setup = setup_;
  setup.worker = nullptr;
  setup.work_dir = setup_.work_dir + (faults ? "/faults" : "/races");
  oracle::RaceLimits limits;
  limits.block_ms = plan.budgets.block_ms;
  auto runner = oracle::RaceRunner::make(sc, module_, setup, limits, plan.seed);
  if (!runner) {
    error = runner.error().message;
    return nullptr;
  }
  if (faults) (void)runner.value()->set_faults(*faults);
  auto strategy = sched::make_strategy("portfolio", plan.seed);
  if (!strategy) {
    error = strategy.error().message;
    return nullptr;
  }
  return std::make_unique<ProcessSession>(std::move(runner.value()), std::move(strategy.value()),
                                          sc.file, module_.uri, plan.seed);
}

}  // namespace ss::certify
