// The conformance suite on `files:DIR`: every test gets a fresh subdirectory of the temporary
// directory from the registry, removed afterwards.

#include <filesystem>

#include "tests/support/isolated_case.hpp"

namespace ss::conformance {
namespace {

INSTANTIATE_TEST_SUITE_P(Files, Conformance,
                         ::testing::Values(isolated_case(
                             "files", "files:" + std::filesystem::temp_directory_path().string())),
                         case_name);

}  // namespace
}  // namespace ss::conformance
