// The conformance suite over the Redis handler in each of its modes, against the redis-server
// of ctest's `redis` fixture (REDIS_PORT). Every test gets an empty store through a key prefix
// of its own from the registry, whose keys are removed afterwards.

#include <cstdlib>

#include "handlers/registry.hpp"
#include "tests/support/isolated_case.hpp"

namespace ss::conformance {
namespace {

int redis_port() {
  const char* p = std::getenv("REDIS_PORT");
  return p != nullptr ? std::atoi(p) : 0;
}

std::string server() {
  return "redis://127.0.0.1:" + std::to_string(redis_port());
}

BackendCase redis_case(const std::string& mode) {
  BackendCase c = isolated_case("redis_" + mode, server() + "?mode=" + mode);
  c.skip_reason = []() -> std::string {
    if (redis_port() == 0) {
      return "REDIS_PORT is not set: run through ctest, whose `redis` fixture starts "
             "redis-server on 127.0.0.1:6399";
    }
    handlers::ManualClock clock(0);
    auto probe = handlers::make_backend(server(), 1, clock);
    return probe ? std::string() : "no Redis server: " + probe.error().reason;
  };
  return c;
}

INSTANTIATE_TEST_SUITE_P(Redis, Conformance,
                         ::testing::Values(redis_case("none"), redis_case("optimistic"),
                                           redis_case("lock")),
                         case_name);

}  // namespace
}  // namespace ss::conformance
