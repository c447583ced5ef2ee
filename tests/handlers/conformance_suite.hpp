#pragma once
// The handler conformance suite, written once (conformance_suite.cpp) and instantiated per
// backend, one small file each (conformance_<backend>_test.cpp). Every test drives a fresh
// backend through the seam's awaitables with a virtual clock and asserts what a correct save
// handler does (docs: /work/shared/docs/peer-properties.md, P-01..P-39). Where backends
// legitimately differ, the tests read Backend::guarantees() (expiry kind, payload limit), never
// the label. AgreesWithReferenceStore replays a seeded random sequence against
// model::StoreModel and names the first operation where the backend disagrees.
//
// Instantiating it for a backend the registry knows (e.g.
// tests/handlers/conformance_redis_test.cpp) takes one line: every test gets an isolated instance
// of the URI (handlers::make_isolated), a store of its own that is removed after the test:
//
//   #include "tests/handlers/conformance_suite.hpp"
//
//   namespace ss::conformance {
//   namespace {
//   INSTANTIATE_TEST_SUITE_P(Redis, Conformance,
//                            ::testing::Values(isolated_case("redis", "redis://127.0.0.1:6379")),
//                            case_name);
//   }  // namespace
//   }  // namespace ss::conformance
//
// A backend outside the registry fills a BackendCase itself: `make` is called once per test (in
// SetUp) and must return an empty store; `cleanup` runs after each test. Backends with files on
// disk set `data_dir` so that the suite can check that malformed and unknown ids leave the
// directory alone.

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "handlers/backend_factory.hpp"
#include "handlers/seam.hpp"

namespace ss::conformance {

/// Makes a fresh, empty backend on `clock` (a virtual clock the suite advances).
using BackendFactory = handlers::BackendFactory;

/// One backend under test. Only `label` and `make` are required.
struct BackendCase {
  /// Part of the test names; GoogleTest allows only [A-Za-z0-9_].
  std::string label;
  /// Called once per test, before it runs; must return an empty store.
  BackendFactory make;
  /// The directory the backend most recently made keeps its session files in, or "" when it has
  /// none. Entries whose names start with '.' are the backend's bookkeeping and not checked.
  std::function<std::string()> data_dir;
  /// Called after each test to remove what `make` created (directories, segments, keys).
  std::function<void()> cleanup;
  /// A non-empty answer skips every test with that reason (e.g. the server is not running).
  std::function<std::string()> skip_reason;
};

/// A case whose every test gets an isolated instance of `uri` from the registry: a store of its
/// own (a fresh directory, table, database file or key prefix), removed with the backend after
/// the test; `data_dir` is the instance's session-file directory, if it has one.
[[nodiscard]] BackendCase isolated_case(std::string label, std::string uri);

/// How GoogleTest prints a case in failure messages.
void PrintTo(const BackendCase& c, std::ostream* os);

/// The name generator for INSTANTIATE_TEST_SUITE_P: the case's label.
std::string case_name(const ::testing::TestParamInfo<BackendCase>& info);

/// The fixture of every conformance test (TEST_P(Conformance, ...) in conformance_suite.cpp).
class Conformance : public ::testing::TestWithParam<BackendCase> {
 protected:
  /// The virtual clock starts here; backends stamp mtimes from it.
  static constexpr std::int64_t clock_start_s = 1'700'000'000;
  /// The seed given to the factory and to the random sequences; printed on failure.
  static constexpr std::uint64_t seed = 20240601;

  void SetUp() override;
  void TearDown() override;

  /// Starts a request: connect() plus open(), as PHP does at session_start.
  std::unique_ptr<handlers::SessionHandler> request();
  /// The lifetime the expiry tests use: gc_maxlifetime for gc-only stores, the store's TTL
  /// otherwise, so that one sequence tests every expiry kind.
  [[nodiscard]] std::int64_t lifetime_s() const;
  /// Names of the non-hidden entries of data_dir (empty when the backend has no directory).
  [[nodiscard]] std::vector<std::string> dir_entries() const;

  handlers::ManualClock clock_{clock_start_s};
  handlers::IoPoints points_;
  std::unique_ptr<handlers::Backend> backend_;
  handlers::Guarantees guarantees_;
  std::uint64_t next_request_ = 1;
};

}  // namespace ss::conformance
