// sessionspec's whole handler conformance suite on DirStore: one case, one instantiation.

#include <stdlib.h>

#include <filesystem>
#include <sessionspec/conformance/suite.hpp>

#include "dir_store.hpp"

namespace ss::conformance {
namespace {

/// The directory of the running test: `make` creates it, `cleanup` removes it.
std::string current_dir;

BackendCase dir_store_case() {
  BackendCase c;
  c.label = "dir_store";
  c.make = [](handlers::Clock&,
              std::uint64_t seed) -> handlers::Result<std::unique_ptr<handlers::Backend>> {
    std::string dir = (std::filesystem::temp_directory_path() / "dir-store-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) return handlers::fail(handlers::ErrorCode::io, "mkdtemp");
    current_dir = dir;
    return std::unique_ptr<handlers::Backend>(std::make_unique<example::DirStore>(dir, seed));
  };
  c.data_dir = [] { return current_dir; };
  c.cleanup = [] { std::filesystem::remove_all(current_dir); };
  return c;
}

INSTANTIATE_TEST_SUITE_P(DirStore, Conformance, ::testing::Values(dir_store_case()), case_name);

}  // namespace
}  // namespace ss::conformance
