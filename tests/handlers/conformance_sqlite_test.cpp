// The conformance suite over the SQLite handler in both lock modes. Every test gets a database
// file of its own in a scratch directory, removed again afterwards.

#include <unistd.h>

#include <filesystem>

#include "conformance/suite.hpp"
#include "handlers/registry.hpp"

namespace ss::conformance {
namespace {

namespace fs = std::filesystem;

/// The scratch directory of the store `make` created last.
fs::path& current_dir() {
  static fs::path dir;
  return dir;
}

BackendCase sqlite_case(const std::string& lock) {
  BackendCase c;
  c.label = "sqlite_" + lock;
  c.make = [lock](handlers::Clock& clock, std::uint64_t seed) {
    static int stores_made = 0;
    current_dir() = fs::temp_directory_path() /
                    ("ss-conformance-sqlite-" + std::to_string(::getpid()) + "-" +
                     std::to_string(++stores_made));
    fs::remove_all(current_dir());
    fs::create_directories(current_dir());
    return handlers::make_backend(
        "sqlite:" + (current_dir() / "sessions.db").string() + "?lock=" + lock, seed, clock);
  };
  c.cleanup = [] {
    std::error_code ignored;
    fs::remove_all(current_dir(), ignored);
  };
  return c;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, Conformance,
                         ::testing::Values(sqlite_case("none"), sqlite_case("transactional")),
                         case_name);

}  // namespace
}  // namespace ss::conformance
