// The conformance suite on `memory`, the in-process reference implementation.

#include "tests/support/isolated_case.hpp"

namespace ss::conformance {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, Conformance, ::testing::Values(isolated_case("memory", "memory")),
                         case_name);

}  // namespace
}  // namespace ss::conformance
