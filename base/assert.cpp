#include "base/assert.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace ss::base {

namespace {

/// How many ScopedAssertThrows are alive; atomic because the stress test's threads run engines.
std::atomic<int> throwing_scopes{0};

}  // namespace

void assertion_failed(const char* condition, std::string_view message, const char* file, int line) {
  std::string text = std::string(file) + ":" + std::to_string(line) +
                     ": assertion failed: " + condition + ": " + std::string(message);
  if (throwing_scopes.load() > 0) throw AssertionFailure(text);
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
  std::abort();
}

ScopedAssertThrows::ScopedAssertThrows() {
  ++throwing_scopes;
}
ScopedAssertThrows::~ScopedAssertThrows() {
  --throwing_scopes;
}

}  // namespace ss::base
