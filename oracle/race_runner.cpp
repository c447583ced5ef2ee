#include "oracle/race_runner.hpp"

#include <poll.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>
#include <utility>

#include "base/child_process.hpp"
#include "handlers/run_task.hpp"
#include "oracle/php_events.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"
#include "sched/coordinator.hpp"
#include "sched/race_checks.hpp"

namespace ss::oracle {

using handlers::FaultKind;
using nlohmann::json;
using scenarios::Event;
using scenarios::EventKind;

namespace {

// ---- one real PHP process in step mode -------------------------------------------------------

/// How long a process that closed its stdout gets to exit before it is killed.
constexpr std::int64_t exit_wait_ms = 2000;
/// A crashed holder's lock lease is waited out (real time) for at most this long, plus a margin
/// for the server's expiry to take effect.
constexpr std::int64_t lease_wait_ms_max = 60'000;
constexpr std::int64_t lease_margin_ms = 500;

struct Task {
  enum class State { running, parked, blocked, finished };
  base::ChildProcess child;
  State state = State::running;
  /// The point it is parked (or blocked) at: "start", "yield" or a handler method.
  std::string at = "start";
  /// Handler calls it has completed (from its pause lines).
  int calls = 0;
  /// Scheduling points reached (pause lines), and how many of them the fault planner was asked
  /// about.
  int points = 0;
  int asked = 0;
  /// With faults: a step's handler calls are reported at the points after them, as they happen
  /// (PHP writes their events only after the step's script event, oracle/src/Pauser.php), so
  /// that a killed process's calls are in the trace, in the order they were made. `emitted`: the
  /// current step's calls reported so far; `skip`: PHP's later copies of them still to drop.
  bool early = false;
  std::size_t emitted = 0;
  std::size_t skip = 0;
  std::string failure;
  /// A user class's proxy reports its calls (oracle/src/UserProxy.php): whether the request holds
  /// a session open (a read, validateId, write or updateTimestamp returned since its last close),
  /// the lock a serialised handler may hold.
  bool holds = false;
};

/// Follows a request's session from the proxy's progress lines.
void follow(Task& t, const json& marker) {
  const std::string done = marker.value("returned", "");
  if (done == "close") t.holds = false;
  if (done == "read" || done == "validateId" || done == "write" || done == "updateTimestamp") {
    t.holds = true;
  }
}

/// Everything the processes wrote, in the order it arrived: the run's trace.
using Lines = std::vector<json>;

/// Early reporting (Task::early): the calls of the current step that the pause line carries and
/// that were not reported yet.
void report_pending(Task& t, const json& pause, Lines& lines) {
  if (!t.early || !pause.contains("pending")) return;
  const json& pending = pause["pending"];
  for (std::size_t i = t.emitted; i < pending.size(); ++i) lines.push_back(pending[i]);
  t.emitted = std::max(t.emitted, pending.size());
}

/// A trace line of `t` to keep (false: PHP's copy of a call reported early).
bool keep_line(Task& t, const json& j) {
  const std::string kind = j.value("kind", "");
  if (kind == "handler" && t.skip > 0) {
    --t.skip;
    return false;
  }
  if (kind == "script" || kind == "response") t.skip = std::exchange(t.emitted, 0);
  return true;
}

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
    if (is_progress_line(j)) {
      follow(t, j);
      continue;
    }
    if (j.contains("pause")) {
      t.state = Task::State::parked;
      ++t.points;
      t.at = j.value("pause", "?");
      t.calls = j.value("calls", 0);
      report_pending(t, j, lines);
      return;
    }
    if (keep_line(t, j)) lines.push_back(std::move(j));
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
  /// `observed`: the processes report their handler calls (a user class), so a lock that
  /// outlives its request's close can be told from a lock another request holds.
  /// `planner` (may be null): the faults that strike the processes at their points, appended
  /// to `struck` as they strike.
  Batch(const RaceLimits& limits, int first, Lines& lines, bool observed,
        sched::FaultPlanner* planner, std::vector<sched::Fault>& struck)
      : limits_(limits),
        first_(first),
        lines_(lines),
        observed_(observed),
        planner_(planner),
        struck_(struck) {}
  ~Batch() {
    for (auto& t : tasks_) t.child.kill();
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void spawn(const std::vector<std::string>& argv) {
    std::string why;
    Task& t = tasks_.emplace_back();
    t.early = planner_ != nullptr;
    if (!t.child.start(argv, {}, why)) throw std::runtime_error(why);
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
      strike();
      ready.clear();
      bool unfinished = false;
      for (std::size_t i = 0; i < tasks_.size(); ++i) {
        if (tasks_[i].state == Task::State::parked) ready.push_back(first_ + static_cast<int>(i));
        unfinished = unfinished || tasks_[i].state != Task::State::finished;
      }
      if (!unfinished) return false;
      if (leaked_lock()) {
        ready.clear();  // the run ends here, as a deadlock whose waits say why
        return true;
      }
      if (!ready.empty() || !wait_blocked(tasks_, lines_, limits_.deadlock_ms, false)) return true;
    }
  }

  /// A request blocked inside the handler while no other live request holds a session open
  /// waits for a lock nobody should hold: one kept after close() (or taken by a request that
  /// never read). It gets deadlock_ms to wake (the machine may be slow); then the run ends.
  bool leaked_lock() {
    if (!observed_ || leak_) return leak_.has_value();
    for (int round = 0; round < 2; ++round) {
      const Task* stuck = nullptr;
      for (const auto& t : tasks_) {
        if (t.state != Task::State::blocked) continue;
        const bool held = std::any_of(tasks_.begin(), tasks_.end(), [&](const Task& other) {
          return &other != &t && other.state != Task::State::finished && other.holds;
        });
        if (!held) stuck = &t;
      }
      if (stuck == nullptr) return false;
      if (round == 0) {
        wait_blocked(tasks_, lines_, limits_.deadlock_ms, true);
        continue;
      }
      leak_ = "blocked in " + stuck->at +
              "() while no other request holds a session open: a lock kept after close() "
              "(or taken without read), or a call that never returns";
    }
    return leak_.has_value();
  }

  void grant(int task) { step(tasks_.at(static_cast<std::size_t>(task - first_))); }

  /// Scheduling points the processes reached (what the fault planner learns a schedule's
  /// length from).
  [[nodiscard]] int points() const {
    int n = 0;
    for (const auto& t : tasks_) n += t.points;
    return n;
  }

  void record_waits(std::vector<sched::TaskWait>& waits) const {
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      const Task& t = tasks_[i];
      if (t.state == Task::State::finished) continue;
      const bool blocked = t.state == Task::State::blocked;
      waits.push_back({first_ + static_cast<int>(i), blocked && leak_ ? *leak_ : t.at, blocked});
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

  /// Asks the fault planner about every point a process reached since it was last asked, and
  /// kills the processes it crashes there.
  void strike() {
    if (planner_ == nullptr) return;
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      Task& t = tasks_[i];
      if (t.state != Task::State::parked || t.asked == t.points) continue;
      t.asked = t.points;
      const int task = first_ + static_cast<int>(i);
      const auto f = planner_->at(task, t.points, t.at);
      if (f && (f->kind == FaultKind::crash || f->kind == FaultKind::skip)) kill(t, task, *f);
    }
  }

  /// SIGKILL, as an OOM killer or a process manager kills: no close(), no shutdown functions,
  /// the process's locks left to whatever the store does when their holder dies. The process is
  /// reaped before anything else runs, so the kernel has closed its descriptors (flock) by then.
  /// Its calls up to this point are in the trace already (Task::early).
  void kill(Task& t, int task, const sched::Fault& f) {
    t.child.kill();
    t.state = Task::State::finished;
    t.holds = false;
    struck_.push_back(f);
    lines_.push_back({{"kind", "fault"},
                      {"request", task + 1},
                      {"fault", std::string(handlers::fault_kind_name(f.kind))},
                      {"point", f.point},
                      {"where", t.at}});
  }

  const RaceLimits& limits_;
  int first_;
  Lines& lines_;
  bool observed_;
  sched::FaultPlanner* planner_;
  std::vector<sched::Fault>& struck_;
  std::deque<Task> tasks_;
  /// Why the run ended early when a lock was found leaked.
  std::optional<std::string> leak_;
};

/// PHP writes a step's script event before the handler events of its calls (oracle/src/Tracer.php);
/// the explorer emits them after, and the fault properties judge a call's failure by the script
/// call that completes after it (scenarios/fault_checks.hpp). Moves each script and response event
/// after the handler events that follow it (the step's calls after its last point: one process
/// writes them together, so they are adjacent in `lines`; the earlier ones came early).
void calls_before_script(Lines& lines) {
  const auto same_step = [](const json& a, const json& b) {
    return a.value("request", 0) == b.value("request", 0) &&
           a.value("step", 0) == b.value("step", 0);
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string kind = lines[i].value("kind", "");
    if (kind != "script" && kind != "response") continue;
    std::size_t end = i + 1;
    while (end < lines.size() && lines[end].value("kind", "") == "handler" &&
           same_step(lines[end], lines[i])) {
      ++end;
    }
    std::rotate(lines.begin() + static_cast<std::ptrdiff_t>(i),
                lines.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                lines.begin() + static_cast<std::ptrdiff_t>(end));
    i = end - 1;
  }
}

// ---- reading the final store through the module ------------------------------------------------

/// The stored sessions after a run, read as the explorer reads them (sched::read_state): one
/// fresh request per id that opens the session with read_and_close through the same module.
/// Runs one request program to its end: its trace, or false with the reason.
using ProgramRun = std::function<bool(const json&, std::vector<json>&, std::string&)>;

class ModuleReader final : public handlers::Backend {
 public:
  ModuleReader(ProgramRun run, json base, std::string uri, handlers::Guarantees g)
      : run_(std::move(run)), base_(std::move(base)), uri_(std::move(uri)), g_(g) {}
  std::string uri() const override { return uri_; }
  handlers::Guarantees guarantees() const override { return g_; }
  std::unique_ptr<handlers::SessionHandler> connect(handlers::RequestEnv) override;
  handlers::Result<std::string> read(const std::string& id);

 private:
  ProgramRun run_;
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
  if (!run_(program, events, why)) {
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
  // Leave nothing behind: the module's store is emptied (files: the directory goes too; a user
  // class's directories go with the work directory).
  try {
    if (worker_ && !module_.user_class) prepare_store("cleanup");
  } catch (const std::exception&) {
    // Best effort: a store that cannot be reached now held nothing worth cleaning.
  }
  worker_.reset();
  if (module_.module == "files" && !store_.save_path.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(store_.save_path, ec);
  }
}

bool RaceRunner::run_program(const json& program, std::vector<json>& events, std::string& why) {
  if (!module_.user_class) return worker_->run(program, events, why) == PhpWorker::Reply::done;
  // A user class: a process of its own, as each of its requests.
  bool hung = false;
  auto got = run_php_process(setup_, program, 0, hung, why);
  if (got) events = std::move(*got);
  return got.has_value();
}

void RaceRunner::name_store(json& program) const {
  if (module_.user_class) {
    program["user_class"] = store_.user_class;
    program["progress"] = true;
  } else {
    program["module"] = store_.module;
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
  r->setup_.env = r->module_.php_env(setup.work_dir);
  r->setup_.worker = nullptr;
  r->worker_ = std::make_unique<PhpWorker>(r->setup_);
  scenarios::RunHeader head;
  head.handler = r->module_.uri;
  head.variant = r->module_.variant();
  head.options = r->opts_;
  head.seed = seed;
  head.guarantees = r->guarantees_;
  head.scenario = &sc;
  head.set_cookie_observed = false;
  r->head_ = scenarios::run_event(std::move(head));
  r->canonical_ = std::make_unique<sched::CanonicalCache>(r->opts_.serialize_handler);
  return r;
}

json RaceRunner::program(const scenarios::Request& req, int number,
                         const std::optional<std::string>& cookie) const {
  json prog = {{"scenario", sc_.name},
               {"request", number},
               {"variant", std::string(model::variant_name(module_.variant()))},
               {"ini", ini_},
               {"now", sc_.clock_start_s},
               {"pause", true}};
  name_store(prog);
  bool bin = false;
  prog["cookie"] = cookie ? scenarios::bytes_json(*cookie, bin) : json(nullptr);
  if (bin) prog["bin"] = true;
  json calls = json::array();
  for (const auto& st : req.steps) calls.push_back(call_program(st.call));
  prog["calls"] = calls;
  return prog;
}

// An empty store holding the scenario's `store` sessions, before any request of a run starts.
// A user class gets a new store (fresh by construction), seeded through the class itself, and
// PHP's clock (libfaketime) is set to the start: the processes of a run share it, and only
// `advance` moves it.
void RaceRunner::prepare_store(const std::string& tag) {
  std::string error;
  const std::vector<scenarios::StoredSeed> none;
  const auto& seeds = tag == "cleanup" ? none : sc_.store;
  if (!module_.user_class) {
    if (!reset_module_store(*worker_, store_, ini_, seeds, sc_.clock_start_s, error)) {
      throw std::runtime_error(error);
    }
    return;
  }
  store_ = fresh_class_store(store_);
  ini_["save_path"] = store_.save_path;
  if (store_.user_class.contains("faketime_file") &&
      !write_faketime(store_.user_class["faketime_file"], sc_.clock_start_s, error)) {
    throw std::runtime_error(error);
  }
  std::vector<json> events;
  if (!run_program(reset_store_program(store_, ini_, seeds, sc_.clock_start_s), events, error)) {
    throw std::runtime_error("cannot seed the class's store: " + error);
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
sched::StoreState RaceRunner::final_state(const std::vector<std::string>& ids,
                                          std::vector<std::string>* unreadable) {
  json base = {
      {"scenario", sc_.name + "-read"},
      {"variant", std::string(model::variant_name(module_.variant()))},
      {"ini", ini_},
      {"now", sc_.clock_start_s},
      {"calls", json::array({{{"op", "session_start"}, {"options", {{"read_and_close", "1"}}}}})}};
  name_store(base);
  // Reading must not change the store: no strict-mode id swap, no gc.
  base["ini"]["use_strict_mode"] = "0";
  base["ini"]["gc_probability"] = "0";
  base["ini"]["use_cookies"] = "1";
  ModuleReader reader([this](const json& p, std::vector<json>& events,
                             std::string& why) { return run_program(p, events, why); },
                      base, module_.uri, guarantees_);
  boost::asio::io_context io;
  handlers::ManualClock clock(sc_.clock_start_s);
  return sched::read_state(io, reader, clock, ids, analysis_.named_ids, *canonical_, unreadable);
}

sched::ScheduleRun RaceRunner::execute(sched::Strategy& strategy, std::uint64_t index, bool judge,
                                       sched::FaultPlanner* planner) {
  prepare_store("run");
  strategy.begin(index, static_cast<int>(sc_.requests.size()));
  sched::ScheduleRun run;
  Lines lines;
  std::optional<std::string> jar;
  int current = -1;
  int number = 0;
  int points = 0;
  for (const scenarios::Batch& batch : analysis_.batches) {
    Batch b(limits_, number, lines, module_.user_class.has_value(), planner,
            run.sched.schedule.faults);
    for (std::size_t r = batch.first; r < batch.first + batch.size; ++r) {
      const scenarios::Request& req = sc_.requests[r];
      ++number;
      b.spawn(command(req, number, scenarios::cookie_for(req, jar)));
      ++processes_;
    }
    b.boot();
    b.run(strategy, current, run.sched);
    b.check_health();
    points += b.points();
    if (run.sched.end != sched::RunEnd::finished) break;
    update_jar(lines, number - static_cast<int>(batch.size), jar);
  }
  strategy.end(run.sched.schedule.picks.size());
  if (planner != nullptr) planner->end(points);
  if (faults_) calls_before_script(lines);
  for (std::size_t i = 0; i < lines.size(); ++i) lines[i]["seq"] = static_cast<int>(i);
  unwrap_proxy_names(lines);
  auto events = events_from_php(sc_, lines);
  if (!events) throw std::runtime_error(events.error().message);
  run.events = std::move(*events);
  judge_run(run, judge);
  return run;
}

// The explorer's race properties (and with faults its fault properties), fed with what real PHP
// did; they also name the ids to read back.
void RaceRunner::judge_run(sched::ScheduleRun& run, bool judge) {
  scenarios::Judge checker(scenarios::JudgeOptions{.conformance = false,
                                                   .expectations = false,
                                                   .races = &analysis_,
                                                   .faults = faults_.has_value()});
  checker.on_event(head_);
  for (const auto& e : run.events) checker.on_event(e);
  const bool finished = run.sched.end == sched::RunEnd::finished;
  if (finished) {
    if (faults_) outlast_orphans(run.sched.schedule.faults);
    run.final_state = final_state(checker.touched_ids(), faults_ ? &run.unreadable : nullptr);
  }
  if (!judge) return;
  scenarios::RunEnding ending;
  ending.end = run.sched.end;
  ending.waits = run.sched.waits;
  ending.final_state = &run.final_state;
  ending.serial = faults_ && finished
                      ? &serial_outcomes(run.sched.schedule.faults, checker.optional_tasks())
                      : &serial_outcomes();
  ending.concurrency = guarantees_.concurrency;
  ending.unreadable = &run.unreadable;
  // Real PHP runs on the scenario's clock: only `advance` moves it (the events carry it).
  ending.now_s = sc_.clock_start_s;
  for (const auto& e : run.events) {
    if (e.kind() == EventKind::handler) ending.now_s = std::max(ending.now_s, e.handler().now_s);
  }
  ending.canonical = [this](const std::string& data) { return canonical_->get(data); };
  checker.finish_run(ending, run.violations);
  // A run that a fault made fail names the fault (its schedule prints it too).
  if (run.sched.schedule.faults.empty()) return;
  std::string struck;
  for (const auto& f : run.sched.schedule.faults) struck += (struck.empty() ? "" : ",") + f.str();
  for (auto& v : run.violations) v.detail += " [after fault " + struck + "]";
}

sched::ScheduleRun RaceRunner::run_one(sched::Strategy& strategy, std::uint64_t index) {
  if (!planner_) return execute(strategy, index, true);
  planner_->begin(index);
  return execute(strategy, index, true, planner_.get());
}

sched::ScheduleRun RaceRunner::replay(const sched::Schedule& schedule) {
  auto strategy = sched::replay_strategy(schedule);
  if (schedule.faults.empty()) return execute(*strategy, 0, true);
  auto planner = sched::replay_planner(schedule.faults);
  return execute(*strategy, 0, true, planner.get());
}

bool RaceRunner::set_faults(sched::FaultOptions faults) {
  // SIGSTOP could stall a process, but not on the scenario's clock; a handler call cannot be
  // made to fail from outside PHP: those kinds are the in-process explorer's.
  std::erase_if(faults.kinds, [](FaultKind k) { return k != FaultKind::crash; });
  if (faults.kinds.empty()) return false;
  // A crashed holder's lock may be waited for until its lease ends: that is no deadlock.
  const handlers::FaultBehaviour& f = guarantees_.faults;
  if (f.recovery == handlers::Recovery::lease) {
    limits_.deadlock_ms +=
        static_cast<int>(std::min<std::int64_t>(f.recovery_ms, lease_wait_ms_max));
  }
  planner_ = sched::random_planner(faults, seed_);
  faults_ = std::move(faults);
  return true;
}

void RaceRunner::outlast_orphans(const std::vector<sched::Fault>& struck) const {
  const handlers::FaultBehaviour& f = guarantees_.faults;
  if (struck.empty() || f.recovery != handlers::Recovery::lease) return;
  const auto wait_ms = std::min<std::int64_t>(f.recovery_ms, lease_wait_ms_max) + lease_margin_ms;
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
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

const scenarios::SerialOutcomes& RaceRunner::serial_outcomes(
    const std::vector<sched::Fault>& faults, const std::vector<int>& optional) {
  // Each optional task ran or did not: 2^k combinations of real PHP runs, k bounded, cached per
  // combination of faults and skipped tasks up to a bound.
  constexpr std::size_t optional_max = 3;
  constexpr std::size_t cache_entries_max = 64;
  const std::size_t k = std::min(optional.size(), optional_max);
  std::string key;
  for (const auto& f : faults) key += f.str() + ",";
  key += "|";
  for (std::size_t i = 0; i < k; ++i) key += std::to_string(optional[i]) + ",";
  if (auto it = fault_serial_.find(key); it != fault_serial_.end()) return it->second;
  if (fault_serial_.size() >= cache_entries_max) fault_serial_.clear();
  scenarios::SerialOutcomes all;
  for (std::size_t mask = 0; mask < (std::size_t{1} << k); ++mask) {
    // A skipped request is killed at its first point, before it calls anything.
    std::vector<sched::Fault> plan;
    for (std::size_t i = 0; i < k; ++i) {
      if ((mask & (std::size_t{1} << i)) != 0) plan.push_back({optional[i], 1, FaultKind::skip, 0});
    }
    plan.insert(plan.end(), faults.begin(), faults.end());
    auto some = scenarios::serial_outcomes(analysis_, [&](const std::vector<int>& order) {
      sched::SerialOrder strategy(order);
      auto planner = sched::replay_planner(plan);
      return execute(strategy, 0, false, planner.get()).final_state;
    });
    for (auto& st : some.states) {
      if (std::find(all.states.begin(), all.states.end(), st) == all.states.end()) {
        all.states.push_back(std::move(st));
      }
    }
  }
  all.property = analysis_.serial_property;
  all.disjoint_keys = analysis_.disjoint_keys;
  for (const auto& st : all.states) all.shown += " " + st.show();
  return fault_serial_.emplace(std::move(key), std::move(all)).first->second;
}

}  // namespace ss::oracle
