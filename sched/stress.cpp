#include "sched/stress.hpp"

#include <exception>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "handlers/run_task.hpp"
#include "scenarios/runner.hpp"

namespace ss::sched {
namespace {

/// A store that requests on several threads share: every handler call under one mutex. Only
/// for handlers whose calls never suspend (memory), so the lock is released on the thread that
/// took it, before the call returns.
class LockedBackend final : public handlers::Backend {
 public:
  explicit LockedBackend(std::unique_ptr<handlers::Backend> inner) : inner_(std::move(inner)) {}
  [[nodiscard]] std::string uri() const override { return inner_->uri(); }
  [[nodiscard]] handlers::Guarantees guarantees() const override { return inner_->guarantees(); }
  [[nodiscard]] std::unique_ptr<handlers::SessionHandler> connect(
      handlers::RequestEnv env) override {
    const std::lock_guard lock(mutex_);
    return std::make_unique<Handler>(inner_->connect(env), mutex_);
  }

 private:
  class Handler final : public handlers::SessionHandler {
   public:
    Handler(std::unique_ptr<handlers::SessionHandler> h, std::mutex& m) : h_(std::move(h)), m_(m) {}
    using S = handlers::Status;
    handlers::Task<S> open(std::string p, std::string n) override {
      const std::lock_guard lock(m_);
      co_return co_await h_->open(std::move(p), std::move(n));
    }
    handlers::Task<S> close() override {
      const std::lock_guard lock(m_);
      co_return co_await h_->close();
    }
    handlers::Task<handlers::Result<std::string>> read(std::string id) override {
      const std::lock_guard lock(m_);
      co_return co_await h_->read(std::move(id));
    }
    handlers::Task<S> write(std::string id, std::string data) override {
      const std::lock_guard lock(m_);
      co_return co_await h_->write(std::move(id), std::move(data));
    }
    handlers::Task<S> destroy(std::string id) override {
      const std::lock_guard lock(m_);
      co_return co_await h_->destroy(std::move(id));
    }
    handlers::Task<handlers::Result<std::int64_t>> gc(std::int64_t max_s) override {
      const std::lock_guard lock(m_);
      co_return co_await h_->gc(max_s);
    }
    handlers::Task<handlers::Result<std::string>> create_sid() override {
      const std::lock_guard lock(m_);
      co_return co_await h_->create_sid();
    }
    handlers::Task<handlers::Result<bool>> validate_id(std::string id) override {
      const std::lock_guard lock(m_);
      co_return co_await h_->validate_id(std::move(id));
    }
    handlers::Task<S> update_timestamp(std::string id, std::string data) override {
      const std::lock_guard lock(m_);
      co_return co_await h_->update_timestamp(std::move(id), std::move(data));
    }

   private:
    std::unique_ptr<handlers::SessionHandler> h_;
    std::mutex& m_;
  };

  std::unique_ptr<handlers::Backend> inner_;
  std::mutex mutex_;
};

/// The shared-array manager on real threads: each of the engine's procedures (one script call
/// with its handler calls) runs under a process-wide lock, so the threads read and write the
/// one $_SESSION without a data race (undefined behaviour in C++) and interleave between script
/// calls, where a coroutine server switches requests too.
class StepLockedEngine final : public model::Engine {
 public:
  StepLockedEngine(std::unique_ptr<model::Engine> inner, std::mutex& m)
      : inner_(std::move(inner)), m_(m) {}
  model::Proc<model::Outcome> begin_request() override { return locked(inner_->begin_request()); }
  model::Proc<model::Outcome> script(const model::ScriptCall& c) override {
    return locked(inner_->script(c));
  }
  model::Proc<model::Outcome> end_request() override { return locked(inner_->end_request()); }
  [[nodiscard]] model::Status status() const override { return inner_->status(); }
  [[nodiscard]] std::string session_id() const override { return inner_->session_id(); }
  [[nodiscard]] const std::optional<model::Array>& session() const override {
    return inner_->session();
  }
  [[nodiscard]] std::vector<std::string> set_cookies() const override {
    return inner_->set_cookies();
  }
  void set_session(std::optional<model::Array> s) override { inner_->set_session(std::move(s)); }

 private:
  model::Proc<model::Outcome> locked(model::Proc<model::Outcome> proc) {
    const std::lock_guard lock(m_);
    model::Outcome out = co_await std::move(proc);
    co_return out;
  }
  std::unique_ptr<model::Engine> inner_;
  std::mutex& m_;
};

/// A real thread at a scheduling point: at a script's `yield` (a database query) it offers the
/// processor to the other threads; with `everywhere`, before every handler call too (noise
/// injection, which makes overlaps likelier).
class YieldingPoints final : public handlers::IoPoints {
 public:
  explicit YieldingPoints(bool everywhere) : everywhere_(everywhere) {}
  handlers::Task<void> point(std::string_view what) override {
    if (everywhere_ || what == "yield") std::this_thread::yield();
    co_return;
  }

 private:
  bool everywhere_;
};

/// The events of the requests of one run, in the order the threads emitted them.
class SharedSink final : public scenarios::EventSink {
 public:
  void emit(scenarios::Event e) override {
    const std::lock_guard lock(mutex_);
    e.seq = static_cast<int>(events.size()) + 1;
    events.push_back(std::move(e));
  }
  std::vector<scenarios::Event> events;

 private:
  std::mutex mutex_;
};

}  // namespace

ScheduleRun stress_run(Explorer& ex, std::uint64_t run_index, Stress how) {
  const scenarios::Scenario& sc = ex.scenario();
  const ExploreConfig& cfg = ex.config();
  if (sc.requests.empty() || sc.requests.back().batch != sc.requests.front().batch) {
    throw std::runtime_error(sc.file + ": the stress test runs one concurrent block");
  }
  handlers::ManualClock clock(sc.clock_start_s);
  auto made = cfg.factory(clock, cfg.seed + run_index);
  if (!made) throw std::runtime_error(made.error().reason);
  LockedBackend store(std::move(made.value()));
  handlers::IoPoints plain;
  handlers::run_task(scenarios::seed_store(sc, store, clock, plain));
  SharedSink sink;
  std::mutex step_lock;
  auto slot = std::make_shared<std::optional<model::Array>>();
  const auto n = sc.requests.size();
  const bool boosted = how == Stress::boosted;
  std::latch start(boosted ? static_cast<std::ptrdiff_t>(n) : 0);
  std::vector<std::exception_ptr> failures(n);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        const scenarios::Request& req = sc.requests[i];
        model::Rng rng(cfg.seed ^ (run_index * 64 + i));
        YieldingPoints points(boosted);
        const std::optional<std::string> none;
        model::RequestContext ctx{ex.options(), ex.variant(), scenarios::cookie_for(req, none)};
        std::unique_ptr<model::Engine> engine = model::make_engine(cfg.engine, ctx, rng);
        if (cfg.manager == Manager::shared_array) {
          engine = std::make_unique<StepLockedEngine>(
              model::make_shared_slot_engine(std::move(engine), slot), step_lock);
        }
        const int number = static_cast<int>(i) + 1;
        auto handler = store.connect(
            handlers::RequestEnv{&clock, &points, static_cast<std::uint64_t>(number)});
        const scenarios::RequestPlan plan{&req,          number,  ctx.cookie, engine.get(),
                                          handler.get(), &points, &clock,     true};
        if (boosted) start.arrive_and_wait();
        (void)handlers::run_task(scenarios::run_request(plan, sink));
      } catch (...) {
        failures[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures) {
    if (f) std::rethrow_exception(f);
  }
  ScheduleRun run;
  run.events = std::move(sink.events);
  ex.judge(run, store, clock);
  return run;
}

}  // namespace ss::sched
