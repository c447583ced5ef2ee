#pragma once
// The handler conformance suite, written once (suite.cpp) and instantiated per backend, one small
// file each: tests/handlers/conformance_<backend>_test.cpp for the built-in handlers, and the
// same 20 lines in any out-of-tree C++ handler's tests, which link the installed
// sessionspec::conformance_gtest (docs/sdk.md, examples/cxx-handler/). Every test drives a fresh
// backend through the seam's awaitables with a virtual clock and asserts what a correct save
// handler does (properties P-01..P-39 of the peer-property catalogue). Where backends
// legitimately differ, the tests read Backend::guarantees() (expiry kind, payload limit), never
// the label. AgreesWithReferenceStore replays a seeded random sequence against
// model::StoreModel and names the first operation where the backend disagrees.
//
// Instantiating it for a backend (e.g. tests/handlers/conformance_redis_test.cpp):
//
//   #include "conformance/suite.hpp"
//   #include "handlers/registry.hpp"
//
//   namespace ss::conformance {
//   namespace {
//   BackendCase redis_case() {
//     BackendCase c;
//     c.label = "redis";  // [A-Za-z0-9_]: it becomes part of the test names
//     c.make = [](handlers::Clock& clock, std::uint64_t seed) {
//       return handlers::make_backend("redis://127.0.0.1:6379/15?fresh=1", seed, clock);
//     };
//     c.skip_reason = [] { return redis_is_up() ? "" : "no Redis server on 127.0.0.1:6379"; };
//     return c;
//   }
//   INSTANTIATE_TEST_SUITE_P(Redis, Conformance, ::testing::Values(redis_case()), case_name);
//   }  // namespace
//   }  // namespace ss::conformance
//
// `make` is called once per test (in SetUp) and must return an empty store; `cleanup` runs after
// each test. Backends with files on disk set `data_dir` so that the suite can check that
// malformed and unknown ids leave the directory alone. The built-in handlers' instantiations take
// isolated instances from the registry instead (tests/support/isolated_case.hpp).

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

/// How GoogleTest prints a case in failure messages.
void PrintTo(const BackendCase& c, std::ostream* os);

/// The name generator for INSTANTIATE_TEST_SUITE_P: the case's label.
std::string case_name(const ::testing::TestParamInfo<BackendCase>& info);

/// The fixture of every conformance test (TEST_P(Conformance, ...) in suite.cpp).
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
