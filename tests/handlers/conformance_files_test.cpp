// The conformance suite on `files:DIR`, with a fresh mkdtemp directory per test.

#include <stdlib.h>

#include <filesystem>
#include <memory>

#include "conformance/suite.hpp"
#include "handlers/registry.hpp"

namespace ss::conformance {
namespace {

/// The directory of the current test; shared by the case's functions (tests run one at a time).
struct FilesScratch {
  std::string dir;
};

BackendCase files_case() {
  auto scratch = std::make_shared<FilesScratch>();
  BackendCase c;
  c.label = "files";
  c.make = [scratch](handlers::Clock& clock, std::uint64_t seed)
      -> handlers::Result<std::unique_ptr<handlers::Backend>> {
    char dir[] = "/tmp/ss-conformance-files-XXXXXX";
    if (::mkdtemp(dir) == nullptr) return handlers::fail(handlers::ErrorCode::io, "mkdtemp");
    scratch->dir = dir;
    return handlers::make_backend("files:" + scratch->dir, seed, clock);
  };
  c.data_dir = [scratch] { return scratch->dir; };
  c.cleanup = [scratch] {
    if (!scratch->dir.empty()) std::filesystem::remove_all(scratch->dir);
    scratch->dir.clear();
  };
  return c;
}

INSTANTIATE_TEST_SUITE_P(Files, Conformance, ::testing::Values(files_case()), case_name);

}  // namespace
}  // namespace ss::conformance
