// One request cycle (connect, open, read, write, close, handler gone) through the handler seam,
// per handler and mode, as the scenario runner drives it: a handler instance per request, every
// call an Asio awaitable on one io_context. Each `cycle/NAME/handler` benchmark has a
// `cycle/NAME/raw` twin in bench/raw_*.cpp that does the same work on the raw backend in the
// same run; bench/cycle_ratios.py turns the two into the ratio docs/benchmarks.md reports
// ("Handlers vs raw backends"). `cycle/seam/noop` is a handler that does nothing: what the seam
// itself costs per cycle.

#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "bench/cycle.hpp"
#include "handlers/registry.hpp"
#include "handlers/run_task.hpp"
#include "handlers/table_handler.hpp"

namespace ss::bench {
namespace {

using handlers::Status;
using handlers::Task;

/// Open, read, write, close on an existing session, as PHP does for a request that changes it.
Task<Status> one_cycle(handlers::SessionHandler& h, const std::string& data) {
  if (auto opened = co_await h.open("", "PHPSESSID"); !opened) co_return opened;
  auto read = co_await h.read(cycle_id);
  if (!read) co_return read.error();
  if (auto written = co_await h.write(cycle_id, data); !written) co_return written;
  co_return co_await h.close();
}

/// The timed loop, inside one coroutine on one io_context (handlers/run_task.hpp): each
/// iteration is one request with its own handler instance, as in the scenario runner.
Task<Status> cycles(benchmark::State& state, handlers::Backend& backend, handlers::Clock& clock) {
  handlers::IoPoints points;
  std::uint64_t request = 0;
  {
    // The session exists before the first timed cycle.
    auto h = backend.connect(handlers::RequestEnv{&clock, &points, ++request});
    if (auto seeded = co_await one_cycle(*h, cycle_payload(0)); !seeded) co_return seeded;
  }
  for (auto _ : state) {
    auto h = backend.connect(handlers::RequestEnv{&clock, &points, ++request});
    if (auto done = co_await one_cycle(*h, cycle_payload(request)); !done) co_return done;
  }
  co_return handlers::ok_status();
}

void run_handler(benchmark::State& state, const std::string& uri) {
  handlers::ManualClock clock(1'700'000'000);
  auto backend = handlers::make_backend(uri, 1, clock);
  if (!backend) {
    state.SkipWithError(("cannot make " + uri + ": " + backend.error().reason).c_str());
    return;
  }
  Status done = handlers::run_task(cycles(state, *backend.value(), clock));
  if (!done) state.SkipWithError((uri + ": " + done.error().reason).c_str());
}

/// A handler that answers every call at once: the seam's own cost per cycle (a handler object
/// per request, a coroutine frame per call, virtual dispatch, Result values).
class NoopHandler final : public handlers::SessionHandler {
 public:
  Task<Status> open(std::string, std::string) override { co_return handlers::ok_status(); }
  Task<Status> close() override { co_return handlers::ok_status(); }
  Task<handlers::Result<std::string>> read(std::string) override { co_return std::string(); }
  Task<Status> write(std::string, std::string) override { co_return handlers::ok_status(); }
  Task<Status> destroy(std::string) override { co_return handlers::ok_status(); }
  Task<handlers::Result<std::int64_t>> gc(std::int64_t) override { co_return std::int64_t{0}; }
  Task<handlers::Result<std::string>> create_sid() override { co_return std::string(); }
  Task<handlers::Result<bool>> validate_id(std::string) override { co_return false; }
  Task<Status> update_timestamp(std::string, std::string) override {
    co_return handlers::ok_status();
  }
};

class NoopBackend final : public handlers::Backend {
 public:
  [[nodiscard]] std::string uri() const override { return "noop"; }
  [[nodiscard]] handlers::Guarantees guarantees() const override { return {}; }
  [[nodiscard]] std::unique_ptr<handlers::SessionHandler> connect(handlers::RequestEnv) override {
    return std::make_unique<NoopHandler>();
  }
};

void seam_noop(benchmark::State& state) {
  handlers::ManualClock clock(1'700'000'000);
  NoopBackend backend;
  Status done = handlers::run_task(cycles(state, backend, clock));
  if (!done) state.SkipWithError(done.error().reason.c_str());
}
BENCHMARK(seam_noop)->Name("cycle/seam/noop")->UseRealTime();

/// The handlers and modes of `certify --all`, each in a fresh store of its own.
struct HandlerCase {
  std::string name;
  std::string uri;
  bool needs_redis = false;
};

std::vector<HandlerCase> handler_cases() {
  const std::string table = "bench-cycle-" + std::to_string(::getpid());
  std::vector<HandlerCase> out = {
      {"memory", "memory"},
      {"files", "files:" + cycle_scratch_dir("files-handler")},
      {"table", "table:" + table + "?fresh=1&rows=64&dir=" + cycle_scratch_dir("table-handler")},
      {"sqlite-none", "sqlite:" + cycle_scratch_dir("sqlite-none") + "/s.db?lock=none&fresh=1"},
      {"sqlite-transactional",
       "sqlite:" + cycle_scratch_dir("sqlite-tx") + "/s.db?lock=transactional&fresh=1"},
  };
  const std::string port = std::to_string(cycle_redis_port().value_or(0));
  for (const char* mode : {"none", "optimistic", "lock"}) {
    out.push_back(
        {std::string("redis-") + mode,
         "redis://127.0.0.1:" + port + "?mode=" + mode + "&fresh=1&prefix=bench-h:", true});
  }
  return out;
}

struct RegisterHandlerCycles {
  RegisterHandlerCycles() {
    for (const HandlerCase& c : handler_cases()) {
      const std::string name = "cycle/" + c.name + "/handler";
      // Wall time: files, SQLite and Redis wait on the kernel, the disk and the server.
      benchmark::RegisterBenchmark(name.c_str(), [c](benchmark::State& state) {
        if (c.needs_redis && !cycle_redis_port()) {
          state.SkipWithError(redis_skip_message);
          return;
        }
        run_handler(state, c.uri);
      })->UseRealTime();
    }
  }
  ~RegisterHandlerCycles() {
    // The table's segment and the scratch files outlive the process otherwise. Statics are
    // destroyed after main() returned, when every benchmark (raw ones included) is done.
    ::shm_unlink(handlers::table_shm_name("bench-cycle-" + std::to_string(::getpid())).c_str());
    std::error_code ignored;
    std::filesystem::remove_all(cycle_scratch_root(), ignored);
  }
};
const RegisterHandlerCycles register_handler_cycles;

}  // namespace
}  // namespace ss::bench
