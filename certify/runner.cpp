#include "certify/runner.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>

#include "certify/level4.hpp"
#include "certify/replay.hpp"
#include "certify/schedules.hpp"
#include "scenarios/trace.hpp"

namespace ss::certify {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void report(const RunHooks& hooks, const std::string& line) {
  if (hooks.progress) hooks.progress(line);
}

/// The engine profile of L1 and L3 rows (the scenarios run under PHP 8.2's life-cycle).
constexpr const char* php82 = "php-8.2";

Row make_row(const Target& t, std::string property, std::string title, int level) {
  Row r;
  r.handler = t.name();
  r.engine = php82;
  r.property = std::move(property);
  r.title = std::move(title);
  r.level = level;
  return r;
}

/// Traces name the certified handler, not the scratch store each scenario ran in.
class NamedTrace final : public scenarios::Listener {
 public:
  NamedTrace(std::ostream& out, std::string name) : writer_(out), name_(std::move(name)) {}
  void on_event(const scenarios::Event& e) override {
    if (e.kind() != scenarios::EventKind::run) return writer_.on_event(e);
    scenarios::RunHeader head = e.run();
    head.handler = name_;
    writer_.on_event(scenarios::run_event(std::move(head)));
  }

 private:
  scenarios::JsonTraceWriter writer_;
  std::string name_;
};

/// L1 row `name`: every scenario of the folder, each in a fresh store. Stops at a scenario
/// after which the handler is diagnosed unusable, and returns the diagnosis.
std::optional<Diagnosis> level1_row(const Plan& plan, Target& t, const std::string& name,
                                    const RunHooks& hooks, Row& row) {
  std::string error;
  const auto scs = load_folder((fs::path(plan.scenario_dir) / name).string(), error);
  std::unique_ptr<NamedTrace> trace;
  if (hooks.trace) trace = std::make_unique<NamedTrace>(*hooks.trace, t.name());
  std::size_t passed = 0;
  std::size_t skipped = 0;
  std::optional<Diagnosis> diagnosis;
  for (const auto& sc : scs) {
    report(hooks, t.name() + ": L1 " + sc.name);
    ScenarioOutcome out = t.run_scenario(sc, plan.seed, trace.get());
    diagnosis = t.check_health();
    if (diagnosis && !out.failure && out.error.empty()) out.error = diagnosis->cause;
    if (!out.error.empty()) {
      error = out.error;
      row.replay = t.scenario_replay(sc.file, plan.seed);
      break;
    }
    if (out.failure) {
      // Every failing scenario is listed with its own replay line; the row's are the first's.
      row.failing.push_back({sc.name, out.failure->str(), t.scenario_replay(sc.file, plan.seed)});
      if (row.replay.empty()) {
        row.evidence = row.failing.back().failure;
        row.replay = row.failing.back().replay;
      }
    }
    if (!out.skipped.empty()) {
      ++skipped;
    } else if (!out.failure) {
      ++passed;
    }
    if (diagnosis) break;
  }
  const bool pass = error.empty() && passed + skipped == scs.size() && !scs.empty();
  row.verdict = pass ? Verdict::pass : Verdict::fail;
  // A folder every scenario of which was skipped (e.g. fault lines, which test PHP's reaction,
  // not a module) holds no evidence about this handler: a skip, never a pass.
  if (pass && passed == 0) row.verdict = Verdict::skip;
  if (row.failing.size() > 1) {
    row.evidence += "\n(" + std::to_string(row.failing.size()) + " of " +
                    std::to_string(scs.size()) + " scenarios fail, each listed with its replay)";
  }
  if (!error.empty()) {
    // A scenario that could not run says nothing about the handler's conformance.
    row.verdict = Verdict::error;
    row.evidence = error;
  }
  if (error.empty() && scs.empty()) {
    // No scenario, no evidence: such a row is never a pass.
    row.verdict = Verdict::error;
    row.evidence = "no evidence: no scenario in " + (fs::path(plan.scenario_dir) / name).string();
  }
  if (pass) {
    row.evidence =
        std::to_string(passed) + "/" + std::to_string(scs.size()) + " scenarios " + t.agreement();
    if (skipped > 0) {
      row.evidence += "; " + std::to_string(skipped) +
                      " with fault lines do not apply to a module (they test PHP's reaction)";
    }
  }
  return diagnosis;
}

/// The properties a handler's own concurrency guarantee decides, and touch-kept (a touch that
/// answered true and kept nothing is the store's doing under any guarantee); isolation,
/// Set-Cookie and strict mode belong to the engine and the application, not to the store.
bool handler_property(const std::string& p) {
  return p == "lost-update" || p == "no-resurrection" || p == "progress" || p == "touch-kept";
}

/// Judges `schedules` runs of one race scenario by the declared guarantee: the first failing
/// run fails the row with its replay line; violations the guarantee allows are findings. Stops
/// when the handler is diagnosed unusable, and returns the diagnosis.
std::optional<Diagnosis> judge_schedules(Target& t, RaceSession& session, std::size_t schedules,
                                         Row& row) {
  std::set<std::string> findings;
  // The first run with a finding, drawn in the report.
  std::optional<sched::ScheduleRun> finding_run;
  std::string finding_property;
  // A run that left no session in the store: if no run stored anything, lost update and
  // resurrection had nothing to show on, and the row cannot pass.
  std::optional<sched::ScheduleRun> empty_run;
  bool stored = false;
  ScheduleLoop loop = judge_each_schedule(
      t, session, schedules, row, [&](std::size_t, const sched::ScheduleRun& r) {
        const bool empty =
            !r.final_state || (r.final_state->named.empty() && r.final_state->anonymous.empty());
        stored = stored || !empty;
        if (empty && !empty_run) empty_run = r;
        for (const auto& v : r.violations) {
          if (!handler_property(v.property)) continue;
          if (!v.failure) {
            if (findings.insert(v.property).second && !finding_run) {
              finding_run = r;
              finding_property = v.property;
            }
            continue;
          }
          row.verdict = Verdict::fail;
          row.evidence = v.property + ": " + v.detail;
          row.race = named_evidence(session, r, v.property, t.name());
          row.replay = row.race->replay;
          return false;
        }
        return true;
      });
  if (loop.decided) return std::move(loop.diagnosis);
  if (schedules == 0) {
    row.verdict = Verdict::error;
    row.evidence = "no evidence: 0 schedules ran";
    return std::nullopt;
  }
  if (!stored) {
    row.verdict = Verdict::fail;
    row.evidence = "no schedule left a session in the store (" + std::to_string(schedules) +
                   " schedules): a handler that keeps nothing cannot lose an update, so the "
                   "declared guarantee cannot be judged";
    if (empty_run) row.replay = session.replay(*empty_run);
    return std::nullopt;
  }
  row.verdict = findings.empty() ? Verdict::pass : Verdict::finding;
  if (finding_run) {
    row.race = named_evidence(session, *finding_run, finding_property, t.name());
  }
  row.evidence = std::to_string(schedules) + " schedules; handler declares " +
                 std::string(handlers::concurrency_name(session.concurrency()));
  for (const auto& f : findings) row.evidence += "; " + f + " (allowed by the declared guarantee)";
  return std::nullopt;
}

std::optional<Diagnosis> race_row(const Plan& plan, Target& t, const scenarios::Scenario& sc,
                                  Row& row) {
  std::string error;
  auto session = t.race(sc, plan, error);
  if (!session) {
    row.verdict = Verdict::error;
    row.evidence = error;
    return std::nullopt;
  }
  return judge_schedules(t, *session, t.race_schedules(plan.budgets), row);
}

/// One row to run: its identity, and what judges it (sets verdict, evidence and replay; returns
/// a diagnosis when it found the handler unusable).
struct RowJob {
  Row row;
  std::function<std::optional<Diagnosis>(Row&)> judge;
};

void level1(const Plan& plan, Target& t, const RunHooks& hooks, Certificate& c,
            std::vector<RowJob>& jobs) {
  for (const std::string& name : level1_row_folders(plan.scenario_dir)) {
    if (!selected(plan, level1_row_id(name))) {
      c.handlers.back().filtered_levels.insert(1);
      continue;
    }
    jobs.push_back(
        {make_row(t, level1_row_id(name), "life-cycle: scenarios/" + name + t.where(), 1),
         [&plan, &t, &hooks, name](Row& row) { return level1_row(plan, t, name, hooks, row); }});
  }
}

void contract_row(const Plan& plan, Target& t, const ContractSuite& suite, Row& row) {
  ContractResult r = t.run_contract(suite, plan);
  row.verdict = r.passed ? Verdict::pass : Verdict::fail;
  row.evidence = std::move(r.evidence);
  row.replay = std::move(r.replay);
  row.counterexample = std::move(r.counterexample);
  if (r.passed && r.cases == 0) {
    row.verdict = Verdict::error;
    row.evidence = "no evidence: no generated case ran";
  }
}

void level2(const Plan& plan, Target& t, const RunHooks& hooks, Certificate& c,
            std::vector<RowJob>& jobs) {
  for (const ContractSuite& suite : t.contract_suites()) {
    if (!selected(plan, suite.id)) {
      c.handlers.back().filtered_levels.insert(2);
      continue;
    }
    Row row = make_row(t, suite.id, suite.title, 2);
    row.engine = suite.engine;
    jobs.push_back({std::move(row), [&plan, &t, &hooks, suite](Row& r) {
                      report(hooks, t.name() + ": L2 " + suite.title);
                      contract_row(plan, t, suite, r);
                      return std::optional<Diagnosis>();
                    }});
  }
}

void level3(const Plan& plan, Target& t, const RunHooks& hooks, Certificate& c,
            const std::vector<scenarios::Scenario>& races, std::vector<RowJob>& jobs) {
  const std::string suffix = t.where().empty() ? "" : " (real PHP processes)";
  for (const auto& sc : races) {
    if (!selected(plan, "L3.race." + sc.name)) {
      c.handlers.back().filtered_levels.insert(3);
      continue;
    }
    jobs.push_back(
        {make_row(t, "L3.race." + sc.name, "declared guarantee under " + sc.name + suffix, 3),
         [&plan, &t, &hooks, &sc](Row& row) {
           report(hooks, t.name() + ": L3 " + sc.name);
           return race_row(plan, t, sc, row);
         }});
  }
}

/// Runs one row: timed, and an exception (a bug, exhaustion) becomes an error row, so that
/// certify never aborts and every output is still written. A row that did not pass is followed
/// by a probe: a handler that turns out unusable makes the row a failure (the handler hangs or
/// died) or an error (the infrastructure is gone, so a replay would reproduce nothing), and the
/// diagnosis is returned.
std::optional<Diagnosis> run_row(Target& t, RowJob& job) {
  Row& row = job.row;
  const auto t0 = Clock::now();
  std::optional<Diagnosis> diagnosis;
  try {
    diagnosis = job.judge(row);
    if (!diagnosis && (row.verdict == Verdict::fail || row.verdict == Verdict::error)) {
      diagnosis = t.probe();
    }
  } catch (const std::exception& e) {
    row.verdict = Verdict::error;
    row.evidence = std::string("internal error: ") + e.what();
    row.replay.clear();
  }
  if (diagnosis) {
    row.verdict = diagnosis->handler_fault ? Verdict::fail : Verdict::error;
    // A handler process that hung past its protocol timeout in a race or fault row is a request
    // that made no progress: it fails the row as `progress`, whatever the declared guarantee.
    const bool hung = diagnosis->handler_fault && row.level >= 3 &&
                      diagnosis->cause.find(handlers::hung_handler_marker) != std::string::npos;
    row.evidence = std::string(hung ? "progress: " : "") +
                   (diagnosis->handler_fault ? "the handler is unusable: "
                                             : "infrastructure, not the handler: ") +
                   diagnosis->cause + (row.evidence.empty() ? "" : "\n" + row.evidence);
    if (!diagnosis->handler_fault) row.replay.clear();
  }
  row.time_ms = ms_since(t0);
  return diagnosis;
}

/// The failed row `--fail-fast` stops at, if `c` has one.
const Row* first_failure(const Plan& plan, const Certificate& c) {
  if (!plan.fail_fast) return nullptr;
  const auto it = std::find_if(c.rows.begin(), c.rows.end(),
                               [](const Row& r) { return r.verdict == Verdict::fail; });
  return it == c.rows.end() ? nullptr : &*it;
}

/// Runs the rows in order. Once the handler is diagnosed unusable, the remaining rows are
/// errors at once, naming the cause, instead of each paying the handler's timeouts again.
void run_rows(const Plan& plan, Target& t, const RunHooks& hooks, std::vector<RowJob>& jobs,
              Certificate& c) {
  std::optional<Diagnosis> unusable;
  std::string found_in;
  const auto trace_at = [&] { return hooks.trace ? std::streamoff(hooks.trace->tellp()) : 0; };
  for (RowJob& job : jobs) {
    // A shard numbers every row and runs its own (docs/scale-out.md).
    const std::size_t unit = hooks.shard ? hooks.shard->next : 0;
    if (hooks.shard && !hooks.shard->take()) continue;
    const std::streamoff trace_begin = trace_at();
    if (const Row* failed = first_failure(plan, c)) {
      job.row.verdict = Verdict::error;
      job.row.evidence = "not run: --fail-fast stopped the run at the failure of " +
                         failed->handler + " " + failed->property;
      c.cut_short = true;
    } else if (unusable) {
      job.row.verdict = Verdict::error;
      job.row.evidence =
          "not run: " + t.name() + " was found unusable in " + found_in + ": " + unusable->cause;
    } else if ((unusable = run_row(t, job))) {
      found_in = job.row.property;
    }
    if (hooks.shard) hooks.shard->taken.push_back({unit, trace_begin, trace_at()});
    c.rows.push_back(std::move(job.row));
    if (hooks.row_done) hooks.row_done(c.rows.back());
  }
}

}  // namespace

std::vector<std::string> row_ids(const Plan& plan, const Target& target,
                                 const std::vector<std::string>& races) {
  std::vector<std::string> out;
  for (const auto& folder : level1_row_folders(plan.scenario_dir)) {
    out.push_back(level1_row_id(folder));
  }
  if (plan.level >= 2) {
    for (const ContractSuite& suite : target.contract_suites()) out.push_back(suite.id);
  }
  if (plan.level >= 3) {
    for (const auto& name : races) out.push_back("L3.race." + name);
  }
  if (plan.level >= 4) {
    std::string error;  // The catalogue was parsed when the plan was checked.
    for (const auto& sc :
         load_folder((fs::path(plan.scenario_dir) / faults_folder).string(), error)) {
      out.push_back(fault_row_id(sc.name));
    }
  }
  return out;
}

std::vector<scenarios::Scenario> load_folder(const std::string& dir, std::string& error) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".scn") files.push_back(e.path().string());
  }
  if (ec) error = dir + ": " + ec.message();
  std::sort(files.begin(), files.end());
  std::vector<scenarios::Scenario> out;
  for (const auto& f : files) {
    auto parsed = scenarios::load_scenario(f);
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) {
      error = e->str();
      return {};
    }
    out.push_back(std::move(std::get<scenarios::Scenario>(parsed)));
  }
  return out;
}

void certify_target(const Plan& plan, Target& target, const RunHooks& hooks, Certificate& c) {
  DeclaredGuarantees declared = target.guarantees();
  HandlerRecord record;
  record.name = target.name();
  record.uri = target.uri();
  record.kind = target.kind();
  record.guarantees = declared.guarantees;
  record.assumed = std::move(declared.assumed);
  record.declared_by = std::move(declared.declared_by);
  record.class_name = std::move(declared.class_name);
  record.shape = std::move(declared.shape);
  c.handlers.push_back(std::move(record));
  std::vector<scenarios::Scenario> races;
  if (plan.level >= 3) {
    std::string error;  // The catalogue was parsed when the plan was checked.
    races = load_folder((fs::path(plan.scenario_dir) / races_folder).string(), error);
  }
  std::vector<scenarios::Scenario> faults;
  if (plan.level >= 4) {
    std::string error;  // Parsed when the plan was checked, as the races were.
    faults = load_folder((fs::path(plan.scenario_dir) / faults_folder).string(), error);
  }
  std::vector<RowJob> jobs;
  level1(plan, target, hooks, c, jobs);
  if (plan.level >= 2) level2(plan, target, hooks, c, jobs);
  if (plan.level >= 3) level3(plan, target, hooks, c, races, jobs);
  for (FaultRowJob& job : level4_jobs(plan, target, hooks.progress, faults, c)) {
    jobs.push_back({std::move(job.row), std::move(job.judge)});
  }
  const std::size_t first = c.rows.size();
  run_rows(plan, target, hooks, jobs, c);
  // A row that did not pass and has no single failure to replay (the infrastructure, a handler
  // found unusable, an exception) still says what to run: the row again (certify/replay.hpp).
  for (std::size_t i = first; i < c.rows.size(); ++i) {
    Row& r = c.rows[i];
    if ((r.verdict == Verdict::fail || r.verdict == Verdict::error) && r.replay.empty()) {
      r.replay = rerun_row_line(plan, target.uri(), r.property, r.level);
    }
  }
}

}  // namespace ss::certify
