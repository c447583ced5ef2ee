#include "oracle/race_runner.hpp"

#include <poll.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "base/child_process.hpp"
#include "handlers/run_task.hpp"
#include "oracle/php_events.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"
#include "sched/coordinator.hpp"
#include "sched/race_checks.hpp"

namespace ss::oracle {

using nlohmann::json;
using scenarios::Event;
using scenarios::EventKind;

namespace {

// ---- one real PHP process in step mode -------------------------------------------------------

/// How long a process that closed its stdout gets to exit before it is killed.
constexpr std::int64_t exit_wait_ms = 2000;

struct Task {
  enum class State { running, parked, blocked, finished };
  base::ChildProcess child;
  State state = State::running;
  /// The point it is parked (or blocked) at: "start", "yield" or a handler method.
  std::string at = "start";
  /// Handler calls it has completed (from its pause lines).
  int calls = 0;
  std::string failure;
};

/// Everything the processes wrote, in the order it arrived: the run's trace.
using Lines = std::vector<json>;

/// Reads `t`'s lines until it parks at its next point, exits, or `deadline_ms` passes (then it
/// stays running: the caller decides that it is blocked).
void pump(Task& t, Lines& lines, std::int64_t deadline_ms) {
  std::string line;
  for (;;) {
    const auto r = t.child.read_line(line, deadline_ms);
    if (r == base::ChildProcess::Read::timeout) return;
    if (r != base::ChildProcess::Read::line) {
      // End of output (or a line too long to be ours): the process is done; it gets
      // exit_wait_ms to exit before it is killed.
      const int status = t.child.finish(base::steady_ms() + exit_wait_ms).status;
      t.state = Task::State::finished;
      if (status != 0) t.failure = "exited with wait status " + std::to_string(status);
      return;
    }
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      t.failure = "wrote an unparsable line: " + line.substr(0, 200);
      continue;
    }
    if (j.contains("pause")) {
      t.state = Task::State::parked;
      t.at = j.value("pause", "?");
      t.calls = j.value("calls", 0);
      return;
    }
    lines.push_back(std::move(j));
  }
}

/// Waits at most `ms` for blocked tasks to wake (park or exit): until one woke or, with
/// `until_all`, until every one did. Returns whether any woke.
bool wait_blocked(std::deque<Task>& tasks, Lines& lines, int ms, bool until_all) {
  const std::int64_t deadline = base::steady_ms() + ms;
  bool woke = false;
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (tasks[i].state != Task::State::blocked) continue;
      fds.push_back({tasks[i].child.stdout_fd(), POLLIN, 0});
      which.push_back(i);
    }
    if (fds.empty() || (woke && !until_all)) return woke;
    const auto left = deadline - base::steady_ms();
    if (left <= 0) return woke;
    if (::poll(fds.data(), fds.size(), static_cast<int>(left)) <= 0) continue;
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Task& t = tasks[which[k]];
      pump(t, lines, base::steady_ms());
      woke = woke || t.state != Task::State::blocked;
    }
  }
}

/// The processes of one concurrent batch, stepped one grant at a time; what they write goes to
/// the run's trace lines in the order it arrives.
class Batch {
 public:
  Batch(const RaceLimits& limits, int first, Lines& lines)
      : limits_(limits), first_(first), lines_(lines) {}
  ~Batch() {
    for (auto& t : tasks_) t.child.kill();
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void spawn(const std::vector<std::string>& argv) {
    std::string why;
    if (!tasks_.emplace_back().child.start(argv, {}, why)) throw std::runtime_error(why);
  }

  /// Every process boots in parallel and parks at "start" before anything happens.
  /// A process that crashed or wrote garbage: PHP did not run the request (not a verdict).
  void check_health() const {
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      if (tasks_[i].failure.empty()) continue;
      throw std::runtime_error("the PHP process of request " + std::to_string(first_ + 1 + int(i)) +
                               " " + tasks_[i].failure);
    }
  }

  void boot() {
    for (auto& t : tasks_) {
      pump(t, lines_, base::steady_ms() + limits_.start_ms);
      if (t.state != Task::State::parked) {
        throw std::runtime_error("a PHP process did not reach its start point" +
                                 (t.failure.empty() ? std::string() : ": " + t.failure));
      }
    }
  }

  /// Grants steps as `strategy` picks (sched::coordinate, the explorer's own loop) until every
  /// process finished, or all unfinished ones were blocked for deadlock_ms (deadlock), or the
  /// step budget is spent; `res` gets the picks, the end and, for a stuck run, where each
  /// process waits.
  void run(sched::Strategy& strategy, int& current, sched::RunResult& res) {
    std::vector<int> ready;
    res.end = sched::coordinate(*this, strategy, limits_.steps_max, current, res, ready);
  }

  // ---- the coordinator's view (sched::SteppedTasks) ----

  /// A granted process has already run to its next point (grant() waits for it).
  void advance() {}

  /// The parked processes; when every unfinished one is blocked, waits up to deadlock_ms for
  /// one to wake (a lock released) before the run counts as a deadlock (`ready` empty).
  bool collect_ready(std::vector<int>& ready) {
    for (;;) {
      ready.clear();
      bool unfinished = false;
      for (std::size_t i = 0; i < tasks_.size(); ++i) {
        if (tasks_[i].state == Task::State::parked) ready.push_back(first_ + static_cast<int>(i));
        unfinished = unfinished || tasks_[i].state != Task::State::finished;
      }
      if (!unfinished) return false;
      if (!ready.empty() || !wait_blocked(tasks_, lines_, limits_.deadlock_ms, false)) return true;
    }
  }

  void grant(int task) { step(tasks_.at(static_cast<std::size_t>(task - first_))); }

  void record_waits(std::vector<sched::TaskWait>& waits) const {
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      const Task& t = tasks_[i];
      if (t.state == Task::State::finished) continue;
      waits.push_back({first_ + static_cast<int>(i), t.at, t.state == Task::State::blocked});
    }
  }

 private:
  /// One step: the process runs to its next point; one that does not get there in block_ms is
  /// blocked. After a step that called the handler (a lock may have been released), blocked
  /// processes get settle_ms to wake, so that who is ready next does not depend on timing.
  void step(Task& t) {
    const int calls_before = t.calls;
    t.state = Task::State::running;
    if (!t.child.write("\n", base::steady_ms() + limits_.block_ms)) {
      throw std::runtime_error("a PHP process stopped taking steps at " + t.at);
    }
    pump(t, lines_, base::steady_ms() + limits_.block_ms);
    if (t.state == Task::State::running) t.state = Task::State::blocked;
    const bool called = t.state == Task::State::finished ||
                        (t.state == Task::State::parked && t.calls > calls_before);
    if (called) wait_blocked(tasks_, lines_, limits_.settle_ms, true);
  }

  const RaceLimits& limits_;
  int first_;
  Lines& lines_;
  std::deque<Task> tasks_;
};

// ---- reading the final store through the module ------------------------------------------------

/// The stored sessions after a run, read as the explorer reads them (sched::read_state): one
/// fresh request per id that opens the session with read_and_close through the same module.
class ModuleReader final : public handlers::Backend {
 public:
  ModuleReader(PhpWorker& worker, json base, std::string uri, handlers::Guarantees g)
      : worker_(worker), base_(std::move(base)), uri_(std::move(uri)), g_(g) {}
  std::string uri() const override { return uri_; }
  handlers::Guarantees guarantees() const override { return g_; }
  std::unique_ptr<handlers::SessionHandler> connect(handlers::RequestEnv) override;
  handlers::Result<std::string> read(const std::string& id);

 private:
  PhpWorker& worker_;
  json base_;
  std::string uri_;
  handlers::Guarantees g_;
};

class ReaderHandler final : public handlers::SessionHandler {
 public:
  explicit ReaderHandler(ModuleReader& r) : r_(r) {}
  handlers::Task<handlers::Status> open(std::string, std::string) override {
    co_return handlers::ok_status();
  }
  handlers::Task<handlers::Status> close() override { co_return handlers::ok_status(); }
  handlers::Task<handlers::Result<std::string>> read(std::string id) override {
    co_return r_.read(id);
  }
  handlers::Task<handlers::Status> write(std::string, std::string) override { co_return no(); }
  handlers::Task<handlers::Status> destroy(std::string) override { co_return no(); }
  handlers::Task<handlers::Result<std::int64_t>> gc(std::int64_t) override { co_return no(); }
  handlers::Task<handlers::Result<std::string>> create_sid() override { co_return no(); }
  handlers::Task<handlers::Result<bool>> validate_id(std::string) override { co_return no(); }
  handlers::Task<handlers::Status> update_timestamp(std::string, std::string) override {
    co_return no();
  }

 private:
  static handlers::HandlerError no() {
    return handlers::fail(handlers::ErrorCode::unsupported, "the module reader only reads");
  }
  ModuleReader& r_;
};

std::unique_ptr<handlers::SessionHandler> ModuleReader::connect(handlers::RequestEnv) {
  return std::make_unique<ReaderHandler>(*this);
}

handlers::Result<std::string> ModuleReader::read(const std::string& id) {
  json program = base_;
  bool bin = false;
  program["cookie"] = scenarios::bytes_json(id, bin);
  if (bin) program["bin"] = true;
  std::vector<json> events;
  std::string why;
  if (worker_.run(program, events, why) != PhpWorker::Reply::done) {
    throw std::runtime_error("reading session " + id + " through the module: " + why);
  }
  for (const auto& e : events) {
    if (e.value("kind", "") != "handler" || e.value("name", "") != "read") continue;
    const json& r = e["result"];
    if (r.is_string()) return scenarios::json_bytes(r, e.value("bin", false));
    return handlers::fail(handlers::ErrorCode::io, "read() answered " + r.dump());
  }
  return handlers::fail(handlers::ErrorCode::io, "PHP did not read session " + id);
}

}  // namespace

// ---- RaceRunner -------------------------------------------------------------------------------

RaceRunner::RaceRunner(const scenarios::Scenario& sc, PhpModuleUri module, const OracleSetup& setup,
                       RaceLimits limits, std::uint64_t seed)
    : sc_(sc), module_(std::move(module)), setup_(setup), limits_(limits), seed_(seed) {}

RaceRunner::~RaceRunner() {
  // Leave nothing behind: the module's store is emptied (files: the directory goes too).
  try {
    if (worker_) prepare_store("cleanup");
  } catch (const std::exception&) {
    // Best effort: a store that cannot be reached now held nothing worth cleaning.
  }
  worker_.reset();
  if (module_.module == "files" && !store_.save_path.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(store_.save_path, ec);
  }
}

base::Result<std::unique_ptr<RaceRunner>> RaceRunner::make(const scenarios::Scenario& sc,
                                                           PhpModuleUri module,
                                                           const OracleSetup& setup,
                                                           RaceLimits limits, std::uint64_t seed) {
  std::unique_ptr<RaceRunner> r(new RaceRunner(sc, std::move(module), setup, limits, seed));
  r->analysis_ = scenarios::analyse(sc);
  if (!r->analysis_.concurrent) {
    return base::error(sc.file +
                       ": no concurrent block (races need two or more overlapping requests)");
  }
  auto resolved = scenarios::resolve_options(sc, scenarios::RunConfig{});
  if (!resolved) return resolved.error();
  r->opts_ = resolved->options;
  ::mkdir(setup.work_dir.c_str(), 0700);
  r->store_ = r->module_.isolated(setup.work_dir, "race");
  r->opts_.save_path = r->store_.save_path;
  r->ini_ = r->opts_.to_ini();
  for (const auto& [key, value] : r->store_.ini) r->ini_[key] = value;
  r->guarantees_ = r->module_.guarantees(r->opts_);
  r->setup_.php_args = r->module_.php_args();
  r->setup_.worker = nullptr;
  r->worker_ = std::make_unique<PhpWorker>(r->setup_);
  scenarios::RunHeader head;
  head.handler = r->module_.uri;
  head.variant = model::Variant::sessionhandler;
  head.options = r->opts_;
  head.seed = seed;
  head.guarantees = r->guarantees_;
  head.scenario = &sc;
  head.set_cookie_observed = false;
  r->head_ = scenarios::run_event(std::move(head));
  return r;
}

json RaceRunner::program(const scenarios::Request& req, int number,
                         const std::optional<std::string>& cookie) const {
  json prog = {{"scenario", sc_.name},
               {"request", number},
               {"variant", "sessionhandler"},
               {"module", store_.module},
               {"ini", ini_},
               {"now", sc_.clock_start_s},
               {"pause", true}};
  bool bin = false;
  prog["cookie"] = cookie ? scenarios::bytes_json(*cookie, bin) : json(nullptr);
  if (bin) prog["bin"] = true;
  json calls = json::array();
  for (const auto& st : req.steps) calls.push_back(call_program(st.call));
  prog["calls"] = calls;
  return prog;
}

// An empty store holding the scenario's `store` sessions, before any request of a run starts.
void RaceRunner::prepare_store(const std::string& tag) {
  std::string error;
  const std::vector<scenarios::StoredSeed> none;
  if (!reset_module_store(*worker_, store_, ini_, tag == "cleanup" ? none : sc_.store,
                          sc_.clock_start_s, error)) {
    throw std::runtime_error(error);
  }
}

std::vector<std::string> RaceRunner::command(const scenarios::Request& req, int number,
                                             const std::optional<std::string>& cookie) const {
  const std::string file = setup_.work_dir + "/race-" + std::to_string(number) + ".json";
  std::ofstream(file, std::ios::trunc) << program(req, number, cookie).dump(-1, ' ', true);
  auto argv = php_command(setup_, setup_.harness_dir + "/harness.php");
  argv.push_back(file);
  return argv;
}

// The browser's jar after a batch: PHP sends the id in a Set-Cookie (use_cookies) when it is new
// or changed. (The CLI keeps no headers, so this is PHP's rule rather than an observation.)
void RaceRunner::update_jar(const std::vector<json>& lines, int first,
                            std::optional<std::string>& jar) const {
  for (const auto& l : lines) {
    const int number = l.value("request", 0);
    if (l.value("kind", "") != "response" || number <= first) continue;
    const auto& req = sc_.requests[static_cast<std::size_t>(number) - 1];
    const std::string id =
        l.contains("id") && l["id"].is_string() ? l["id"].get<std::string>() : "";
    const auto sent = scenarios::cookie_for(req, jar);
    if (opts_.use_cookies && !id.empty() && (!sent || *sent != id)) jar = id;
  }
}

// What the store holds after the run, read as the explorer reads it (sched::read_state).
sched::StoreState RaceRunner::final_state(const std::vector<std::string>& ids) {
  json base = {
      {"scenario", sc_.name + "-read"},
      {"variant", "sessionhandler"},
      {"module", store_.module},
      {"ini", ini_},
      {"now", sc_.clock_start_s},
      {"calls", json::array({{{"op", "session_start"}, {"options", {{"read_and_close", "1"}}}}})}};
  // Reading must not change the store: no strict-mode id swap, no gc.
  base["ini"]["use_strict_mode"] = "0";
  base["ini"]["gc_probability"] = "0";
  base["ini"]["use_cookies"] = "1";
  ModuleReader reader(*worker_, base, module_.uri, guarantees_);
  boost::asio::io_context io;
  handlers::ManualClock clock(sc_.clock_start_s);
  sched::CanonicalCache canonical(opts_.serialize_handler);
  return sched::read_state(io, reader, clock, ids, analysis_.named_ids, canonical);
}

sched::ScheduleRun RaceRunner::execute(sched::Strategy& strategy, std::uint64_t index, bool judge) {
  prepare_store("run");
  strategy.begin(index, static_cast<int>(sc_.requests.size()));
  sched::ScheduleRun run;
  Lines lines;
  std::optional<std::string> jar;
  int current = -1;
  int number = 0;
  for (const scenarios::Batch& batch : analysis_.batches) {
    Batch b(limits_, number, lines);
    for (std::size_t r = batch.first; r < batch.first + batch.size; ++r) {
      const scenarios::Request& req = sc_.requests[r];
      ++number;
      b.spawn(command(req, number, scenarios::cookie_for(req, jar)));
      ++processes_;
    }
    b.boot();
    b.run(strategy, current, run.sched);
    b.check_health();
    if (run.sched.end != sched::RunEnd::finished) break;
    update_jar(lines, number - static_cast<int>(batch.size), jar);
  }
  strategy.end(run.sched.schedule.picks.size());
  for (std::size_t i = 0; i < lines.size(); ++i) lines[i]["seq"] = static_cast<int>(i);
  auto events = events_from_php(sc_, lines);
  if (!events) throw std::runtime_error(events.error().message);
  run.events = std::move(*events);
  // The explorer's race properties, fed with what real PHP did; they also name the ids to read
  // back.
  scenarios::Judge checker(
      scenarios::JudgeOptions{.conformance = false, .expectations = false, .races = &analysis_});
  checker.on_event(head_);
  for (const auto& e : run.events) checker.on_event(e);
  if (run.sched.end == sched::RunEnd::finished) {
    run.final_state = final_state(checker.touched_ids());
  }
  if (judge) {
    scenarios::RunEnding ending;
    ending.end = run.sched.end;
    ending.waits = run.sched.waits;
    ending.final_state = &run.final_state;
    ending.serial = &serial_outcomes();
    ending.concurrency = guarantees_.concurrency;
    checker.finish_run(ending, run.violations);
  }
  return run;
}

sched::ScheduleRun RaceRunner::run_one(sched::Strategy& strategy, std::uint64_t index) {
  return execute(strategy, index, true);
}

sched::ScheduleRun RaceRunner::replay(const sched::Schedule& schedule) {
  auto strategy = sched::replay_strategy(schedule);
  return execute(*strategy, 0, true);
}

// Every serial order of each concurrent batch, through the same module: what "some serial order
// explains the result" allows (the explorer's definition, scenarios::serial_outcomes).
const scenarios::SerialOutcomes& RaceRunner::serial_outcomes() {
  if (serial_) return *serial_;
  serial_ = std::make_unique<scenarios::SerialOutcomes>(
      scenarios::serial_outcomes(analysis_, [this](const std::vector<int>& order) {
        sched::SerialOrder strategy(order);
        return execute(strategy, 0, false).final_state;
      }));
  return *serial_;
}

}  // namespace ss::oracle
