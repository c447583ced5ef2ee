// The stateful conformance property against every handler this build has, under every engine
// profile that applies: php-8.2 everywhere, php-legacy and zealphp on memory. A handler whose
// backend cannot be made here (no server, not in this build) is skipped with the reason.
// Budget: RapidCheck's defaults (100 cases of up to 100 commands each); RC_PARAMS overrides them,
// e.g. RC_PARAMS="max_success=20000" for a long campaign (docs/properties.md). A failure prints
// its seed, the shrunk case and an RC_PARAMS="reproduce=..." line that replays it.
// SESSIONSPEC_PROPERTY_HANDLER (and SESSIONSPEC_PROPERTY_ENGINE) run the property against any
// handler URI, mutants included: that is how a failure reported by `sessionspec mutants` replays.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "handlers/registry.hpp"
#include "handlers/testing/mutants.hpp"
#include "properties/property.hpp"

namespace ss::properties {
namespace {

/// One row of the matrix: a handler (by URI template) under one engine profile.
struct Target {
  /// GoogleTest name part: [A-Za-z0-9_].
  std::string label;
  /// memory, files, table, sqlite or redis; resolved to a URI when the test runs.
  std::string scheme;
  model::EngineKind engine = model::EngineKind::php82;
};

std::ostream& operator<<(std::ostream& os, const Target& t) {
  return os << t.label;
}

/// Scratch space for files and SQLite cases; each case makes (and removes) its own directory.
std::string scratch_dir() {
  const auto dir = std::filesystem::temp_directory_path() / "sessionspec-properties";
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// The URI for `scheme` here, or "" with `why` set when it cannot run.
std::string resolve(const std::string& scheme, std::string& why) {
  if (scheme == "redis") {
    const char* port = std::getenv("REDIS_PORT");
    if (port == nullptr || *port == '\0') {
      why = "REDIS_PORT is not set (ctest starts a server for the redis/ tests)";
      return "";
    }
    return "redis://127.0.0.1:" + std::string(port);
  }
  for (const auto& uri : handlers::candidate_handlers(scratch_dir())) {
    if (uri.rfind(scheme, 0) == 0) return uri;
  }
  why = "no candidate URI for " + scheme;
  return "";
}

/// Cases per run when RC_PARAMS does not say: memory is cheap enough for five times
/// RapidCheck's default of 100 within the CI budget (the whole executable under 60 s).
int ci_cases(const std::string& uri) {
  const char* rc = std::getenv("RC_PARAMS");
  if (rc != nullptr && std::string(rc).find("max_success") != std::string::npos) return 0;
  return uri == "memory" ? 500 : 0;
}

/// Runs the property with RC_PARAMS's budget; a failure shows how to replay it.
void check_property(const std::string& uri, model::EngineKind engine) {
  // A replayed failure of `sessionspec mutants` names a mutant.
  handlers::register_mutants();
  handlers::ManualClock clock(0);
  auto handler = handlers::parse_handler_spec(uri);
  if (!handler) GTEST_SKIP() << uri << " is not available here: " << handler.error().reason;
  auto probe = handlers::make_isolated(handler.value(), 1, clock);
  if (!probe) GTEST_SKIP() << uri << " is not available here: " << probe.error().reason;
  probe.value().reset();
  PropertySpec spec{uri, engine, {}};
  RunParams params = params_from_environment(spec);
  if (const int cases = ci_cases(uri); cases > 0) params.max_success = cases;
  // A replay runs only the failing case: show its steps and handler calls.
  if (!params.reproduce.empty()) spec.trace = &std::cerr;
  const PropertyResult r = run_property(spec, params);
  ASSERT_FALSE(r.error) << r.description;
  ASSERT_TRUE(r.passed) << format_failure(spec, params, r);
}

class Conformance : public ::testing::TestWithParam<Target> {};

TEST_P(Conformance, HandlerAgreesWithTheModel) {
  std::string why;
  const std::string uri = resolve(GetParam().scheme, why);
  if (uri.empty()) GTEST_SKIP() << why;
  check_property(uri, GetParam().engine);
}

TEST(ConformanceFromEnvironment, HandlerAgreesWithTheModel) {
  const char* uri = std::getenv("SESSIONSPEC_PROPERTY_HANDLER");
  if (uri == nullptr || *uri == '\0') GTEST_SKIP() << "SESSIONSPEC_PROPERTY_HANDLER is not set";
  const char* engine = std::getenv("SESSIONSPEC_PROPERTY_ENGINE");
  const auto kind = model::parse_engine(engine ? engine : "php-8.2");
  ASSERT_TRUE(kind.has_value()) << "SESSIONSPEC_PROPERTY_ENGINE: unknown engine " << engine;
  check_property(uri, *kind);
}

INSTANTIATE_TEST_SUITE_P(
    Handlers, Conformance,
    ::testing::Values(Target{"memory_php82", "memory", model::EngineKind::php82},
                      Target{"memory_legacy", "memory", model::EngineKind::legacy},
                      Target{"memory_zealphp", "memory", model::EngineKind::zealphp},
                      Target{"files_php82", "files", model::EngineKind::php82},
                      Target{"table_php82", "table", model::EngineKind::php82},
                      Target{"sqlite_php82", "sqlite", model::EngineKind::php82},
                      Target{"redis_php82", "redis", model::EngineKind::php82}),
    [](const ::testing::TestParamInfo<Target>& info) { return info.param.label; });

}  // namespace
}  // namespace ss::properties
