// The conformance suite on `memory`, the in-process reference implementation.

#include "conformance/suite.hpp"
#include "handlers/registry.hpp"

namespace ss::conformance {
namespace {

BackendCase memory_case() {
  BackendCase c;
  c.label = "memory";
  c.make = [](handlers::Clock& clock, std::uint64_t seed) {
    return handlers::make_backend("memory", seed, clock);
  };
  return c;
}

INSTANTIATE_TEST_SUITE_P(Memory, Conformance, ::testing::Values(memory_case()), case_name);

}  // namespace
}  // namespace ss::conformance
