// The conformance suite over the SQLite handler in both lock modes. Every test gets a database
// file of its own in a fresh directory from the registry, removed afterwards.

#include <filesystem>

#include "tests/support/isolated_case.hpp"

namespace ss::conformance {
namespace {

BackendCase sqlite_case(const std::string& lock) {
  const auto path = std::filesystem::temp_directory_path() / "ss-conformance-sessions.db";
  return isolated_case("sqlite_" + lock, "sqlite:" + path.string() + "?lock=" + lock);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, Conformance,
                         ::testing::Values(sqlite_case("none"), sqlite_case("transactional")),
                         case_name);

}  // namespace
}  // namespace ss::conformance
