#pragma once
// `memory`: an in-process map, the simplest correct handler. Requests of one run share it.

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
};

class MemoryBackend final : public Backend {
 public:
  MemoryBackend(std::uint64_t seed, Clock& clock)
      : store_(std::make_shared<MemoryStore>(MemoryStore{{}, model::Rng::for_handler_ids(seed), &clock})) {}
  [[nodiscard]] std::string uri() const override { return "memory"; }
  [[nodiscard]] Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;
  /// The shared map, for tests and for seeding scenarios' stored sessions.
  [[nodiscard]] MemoryStore& store() { return *store_; }

 private:
  std::shared_ptr<MemoryStore> store_;
};

}  // namespace ss::handlers
