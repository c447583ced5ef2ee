// The conformance suite over the Redis handler in each of its modes, against the redis-server
// of ctest's `redis` fixture (REDIS_PORT). Every test gets an empty store through a key prefix
// of its own, removed again afterwards.

#include <unistd.h>

#include <cstdlib>

#include "conformance/suite.hpp"
#include "handlers/registry.hpp"

namespace ss::conformance {
namespace {

int redis_port() {
  const char* p = std::getenv("REDIS_PORT");
  return p != nullptr ? std::atoi(p) : 0;
}

std::string server() { return "redis://127.0.0.1:" + std::to_string(redis_port()); }

/// The prefix of the store `make` created last; each make() gets a new one, so stores start
/// empty even when an earlier test left keys behind.
std::string& current_prefix() {
  static std::string prefix;
  return prefix;
}

BackendCase redis_case(const std::string& mode) {
  BackendCase c;
  c.label = "redis_" + mode;
  c.make = [mode](handlers::Clock& clock, std::uint64_t seed) {
    static int stores_made = 0;
    current_prefix() = "sessionspec-conformance:" + std::to_string(::getpid()) + ":" +
                       std::to_string(++stores_made) + ":";
    return handlers::make_backend(server() + "?mode=" + mode + "&prefix=" + current_prefix(),
                                  seed, clock);
  };
  c.cleanup = [] {
    // Keys carry TTLs anyway; removing them keeps a long-lived server tidy.
    const std::string cli = "redis-cli -p " + std::to_string(redis_port());
    const std::string cmd = cli + " --scan --pattern '" + current_prefix() + "*' | xargs -r " +
                            cli + " del >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
  };
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
