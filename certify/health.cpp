#include "certify/health.hpp"

#include "handlers/run_task.hpp"

namespace ss::certify {

namespace {

bool unresponsive(const handlers::HandlerError& e) {
  return e.code == handlers::ErrorCode::connection || e.code == handlers::ErrorCode::timeout;
}

/// Forwards every call and reports each error answer to the health record.
class WatchedHandler final : public handlers::SessionHandler {
 public:
  WatchedHandler(std::unique_ptr<handlers::SessionHandler> inner, std::shared_ptr<Health> health)
      : inner_(std::move(inner)), health_(std::move(health)) {}

  handlers::Task<handlers::Status> open(std::string p, std::string n) override {
    co_return note(co_await inner().open(std::move(p), std::move(n)));
  }
  handlers::Task<handlers::Status> close() override { co_return note(co_await inner().close()); }
  handlers::Task<handlers::Result<std::string>> read(std::string id) override {
    co_return note(co_await inner().read(std::move(id)));
  }
  handlers::Task<handlers::Status> write(std::string id, std::string d) override {
    co_return note(co_await inner().write(std::move(id), std::move(d)));
  }
  handlers::Task<handlers::Status> destroy(std::string id) override {
    co_return note(co_await inner().destroy(std::move(id)));
  }
  handlers::Task<handlers::Result<std::int64_t>> gc(std::int64_t m) override {
    co_return note(co_await inner().gc(m));
  }
  handlers::Task<handlers::Result<std::string>> create_sid() override {
    co_return note(co_await inner().create_sid());
  }
  handlers::Task<handlers::Result<bool>> validate_id(std::string id) override {
    co_return note(co_await inner().validate_id(std::move(id)));
  }
  handlers::Task<handlers::Status> update_timestamp(std::string id, std::string d) override {
    co_return note(co_await inner().update_timestamp(std::move(id), std::move(d)));
  }

 private:
  handlers::SessionHandler& inner() { return *inner_; }
  template <class R>
  R note(R r) {
    if (!r) health_->observe(r.error());
    return r;
  }

  std::unique_ptr<handlers::SessionHandler> inner_;
  std::shared_ptr<Health> health_;
};

class WatchedBackend final : public handlers::Backend {
 public:
  WatchedBackend(std::unique_ptr<handlers::Backend> inner, std::shared_ptr<Health> health)
      : inner_(std::move(inner)), health_(std::move(health)) {}
  std::string uri() const override { return inner_->uri(); }
  handlers::Guarantees guarantees() const override { return inner_->guarantees(); }
  model::Capabilities capabilities() const override { return inner_->capabilities(); }
  std::unique_ptr<handlers::SessionHandler> connect(handlers::RequestEnv env) override {
    return std::make_unique<WatchedHandler>(inner_->connect(env), health_);
  }

 private:
  std::unique_ptr<handlers::Backend> inner_;
  std::shared_ptr<Health> health_;
};

/// Nothing else holds a lock in a probe: a handler that would wait gives up at once.
class NoWait final : public handlers::IoPoints {
 public:
  handlers::Task<void> point(std::string_view) override { co_return; }
  handlers::Task<bool> blocked(std::string_view, int) override { co_return false; }
};

/// One request's worth of calls; the first answer that says the handler is gone, if any.
handlers::Task<void> exercise(handlers::SessionHandler& h,
                              std::optional<handlers::HandlerError>& gone) {
  // A well-formed id that no scenario uses; the store is a fresh isolated one.
  const std::string id = "sessionspecprobe0123456789abcdef";
  const auto check = [&gone](const auto& r) {
    if (!r && unresponsive(r.error()) && !gone) gone = r.error();
    return !gone;
  };
  if (!check(co_await h.open("", "PHPSESSID"))) co_return;
  if (!check(co_await h.read(id))) co_return;
  if (!check(co_await h.write(id, "probe|i:1;"))) co_return;
  if (!check(co_await h.read(id))) co_return;
  if (!check(co_await h.gc(1440))) co_return;
  if (!check(co_await h.destroy(id))) co_return;
  (void)check(co_await h.close());
}

}  // namespace

void Health::observe(const handlers::HandlerError& e) {
  if (e.code == handlers::ErrorCode::connection && !alarm_) alarm_ = e;
}

sched::BackendFactory watched(sched::BackendFactory factory, std::shared_ptr<Health> health) {
  return [factory = std::move(factory), health = std::move(health)](
             handlers::Clock& clock,
             std::uint64_t seed) -> handlers::Result<std::unique_ptr<handlers::Backend>> {
    auto made = factory(clock, seed);
    if (!made) return made.error();
    return std::unique_ptr<handlers::Backend>(
        std::make_unique<WatchedBackend>(std::move(made.value()), health));
  };
}

std::optional<Diagnosis> probe_backend(const sched::BackendFactory& factory, bool handler_fault) {
  handlers::ManualClock clock(1'700'000'000);
  auto made = factory(clock, 1);
  if (!made) return Diagnosis{made.error().reason, handler_fault};
  NoWait points;
  auto handler = made.value()->connect(handlers::RequestEnv{&clock, &points, 1});
  std::optional<handlers::HandlerError> gone;
  handlers::run_task(exercise(*handler, gone));
  if (gone) return Diagnosis{gone->reason, handler_fault};
  return std::nullopt;
}

}  // namespace ss::certify
