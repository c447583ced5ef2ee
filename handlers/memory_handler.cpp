#include "handlers/memory_handler.hpp"

#include "handlers/factories.hpp"
#include "model/engine.hpp"

namespace ss::handlers {
namespace {

class MemoryHandler final : public SessionHandler {
 public:
  MemoryHandler(std::shared_ptr<MemoryStore> store, RequestEnv env)
      : store_(std::move(store)), env_(env) {}

  Task<Status> open(std::string, std::string) override { co_return ok_status(); }
  Task<Status> close() override { co_return ok_status(); }

  Task<Result<std::string>> read(std::string id) override {
    if (!keeps(id)) co_return bad_id(id);
    forget_expired();
    auto it = store_->sessions.find(id);
    co_return it == store_->sessions.end() || !live(it->second) ? std::string() : it->second.data;
  }

  Task<Status> write(std::string id, std::string data) override {
    if (!keeps(id)) co_return bad_id(id);
    if (data.size() > payload_bytes_max_default) co_return too_large(data.size());
    forget_expired();
    store_->sessions[id] = model::StoredSession{std::move(data), now()};
    co_return ok_status();
  }

  Task<Status> destroy(std::string id) override {
    if (!keeps(id)) co_return bad_id(id);
    store_->sessions.erase(id);
    co_return ok_status();
  }

  Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) override {
    // A TTL store forgets by itself; its gc() finds nothing to do (model/store_model.hpp).
    if (store_->expiry == model::Expiry::ttl) {
      forget_expired();
      co_return 0;
    }
    std::int64_t count = 0;
    for (auto it = store_->sessions.begin(); it != store_->sessions.end();) {
      if (now() - it->second.mtime_s > max_lifetime_s) {
        it = store_->sessions.erase(it);
        ++count;
      } else {
        ++it;
      }
    }
    co_return count;
  }

  Task<Result<std::string>> create_sid() override {
    // Collisions are astronomically unlikely with 130 bits, but a correct handler checks anyway.
    for (int tries = 0; tries < 3; ++tries) {
      std::string id = model::php_made_id(store_->rng, 26, 5);
      if (!store_->sessions.count(id)) co_return id;
    }
    co_return fail(ErrorCode::conflict, "create_sid: 3 colliding ids in a row");
  }

  Task<Result<bool>> validate_id(std::string id) override {
    if (!keeps(id)) co_return false;
    forget_expired();
    auto it = store_->sessions.find(id);
    co_return it != store_->sessions.end() && live(it->second);
  }

  Task<Status> update_timestamp(std::string id, std::string data) override {
    if (!keeps(id)) co_return bad_id(id);
    if (data.size() > payload_bytes_max_default) co_return too_large(data.size());
    forget_expired();
    auto [it, inserted] = store_->sessions.try_emplace(id, model::StoredSession{data, now()});
    if (!inserted) it->second.mtime_s = now();
    co_return ok_status();
  }

 private:
  std::int64_t now() const { return env_.clock->now_s(); }
  /// Under a ttl or lazy expiry a session older than ttl_s is gone for readers (lazy: it stays
  /// stored until gc; a touch keeps its data, as the reference store's does).
  bool live(const model::StoredSession& s) const {
    return model::session_live(s, store_->expiry, store_->ttl_s, now());
  }
  /// A TTL store has forgotten its expired sessions by the time a call looks.
  void forget_expired() {
    if (store_->expiry != model::Expiry::ttl) return;
    std::erase_if(store_->sessions, [this](const auto& entry) { return !live(entry.second); });
  }
  bool keeps(const std::string& id) const {
    return store_->ids == model::IdPolicy::any || model::valid_session_id(id);
  }
  /// Every handler refuses payloads over Guarantees::payload_bytes_max (issue #14, D3).
  static HandlerError too_large(std::size_t bytes) {
    return payload_too_large("memory", bytes, payload_bytes_max_default);
  }
  std::shared_ptr<MemoryStore> store_;
  RequestEnv env_;
};

}  // namespace

Guarantees MemoryBackend::guarantees() const {
  Guarantees g;
  // Each operation is atomic, but nothing spans a request: overlapping requests lose updates.
  g.concurrency = Concurrency::last_writer_wins;
  g.store.expiry = store_->expiry;
  g.store.ttl_s = store_->ttl_s;
  g.store.ids = store_->ids;
  g.store.payload_bytes_max = g.payload_bytes_max;
  // No lock outlives a call, a write replaces the map entry at once, and there is no server.
  g.faults = FaultBehaviour{};
  return g;
}

std::unique_ptr<SessionHandler> MemoryBackend::connect(RequestEnv env) {
  return std::make_unique<MemoryHandler>(store_, env);
}

// ---- the registry's view ------------------------------------------------------------------

BackendKind memory_kind() {
  BackendKind kind;
  kind.scheme = "memory";
  kind.check = [](const HandlerUri&) { return ok_status(); };
  kind.make = [](const HandlerUri&, std::uint64_t seed,
                 Clock& clock) -> Result<std::unique_ptr<Backend>> {
    return std::unique_ptr<Backend>(std::make_unique<MemoryBackend>(seed, clock));
  };
  // Every backend is a new map: fresh by construction, nothing to isolate.
  return kind;
}

}  // namespace ss::handlers
