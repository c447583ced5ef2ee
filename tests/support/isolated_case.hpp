#pragma once
// The conformance suite's case for a built-in handler: every test gets an isolated instance of a
// handler URI from the registry (a fresh directory, table, database file or key prefix), removed
// with the backend after the test. The suite itself (conformance/) knows no backend; this is what
// the in-tree instantiations (tests/handlers/conformance_<backend>_test.cpp) add.

#include <memory>
#include <string>
#include <utility>

#include "conformance/suite.hpp"
#include "handlers/registry.hpp"

namespace ss::conformance {

/// A case whose every test gets an isolated instance of `uri`; `data_dir` is that instance's
/// session-file directory, if it has one.
inline BackendCase isolated_case(std::string label, std::string uri) {
  // The data directory of the instance made last (tests run one at a time).
  auto dir = std::make_shared<std::string>();
  BackendCase c;
  c.label = std::move(label);
  c.make = [uri = std::move(uri), dir](
               handlers::Clock& clock,
               std::uint64_t seed) -> handlers::Result<std::unique_ptr<handlers::Backend>> {
    auto spec = handlers::parse_handler_spec(uri);
    if (!spec) return spec.error();
    auto made = handlers::make_isolated(spec.value(), seed, clock);
    if (!made) return made.error();
    *dir = made.value()->data_dir();
    return std::unique_ptr<handlers::Backend>(std::move(made.value()));
  };
  c.data_dir = [dir] { return *dir; };
  return c;
}

}  // namespace ss::conformance
