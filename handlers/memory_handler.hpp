#pragma once
// `memory`: an in-process map, the simplest correct handler. Requests of one run share it. It
// keeps any id PHP hands it (IdPolicy::any) unless told to refuse those outside the files charset.

#include <map>
#include <memory>
#include <string>

#include "handlers/seam.hpp"
#include "model/rng.hpp"

namespace ss::handlers {

struct MemoryStore {
  std::map<std::string, model::StoredSession> sessions;
  model::Rng rng;
  Clock* clock;
  /// Which ids it keeps: by default any id PHP hands it, as a user handler may; the oracle's
  /// model of a SessionHandler subclass refuses ids outside the files charset, as PHP's files
  /// module underneath does.
  model::IdPolicy ids = model::IdPolicy::any;
  /// How it forgets: only through gc() by default; the oracle's model of a handler that declares
  /// `ttl` or `lazy` expiry forgets a session `ttl_s` after its last write or touch, as the
  /// reference store (model/store_model.hpp) says such a store does.
  model::Expiry expiry = model::Expiry::gc_only;
  std::int64_t ttl_s = 1440;
};

class MemoryBackend final : public Backend {
 public:
  MemoryBackend(std::uint64_t seed, Clock& clock, model::IdPolicy ids = model::IdPolicy::any)
      : store_(std::make_shared<MemoryStore>(
            MemoryStore{{}, model::Rng::for_handler_ids(seed), &clock, ids})) {}
  [[nodiscard]] std::string uri() const override { return "memory"; }
  [[nodiscard]] Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;
  /// The shared map, for tests and for seeding scenarios' stored sessions.
  [[nodiscard]] MemoryStore& store() { return *store_; }

 private:
  std::shared_ptr<MemoryStore> store_;
};

}  // namespace ss::handlers
