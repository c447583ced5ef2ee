#pragma once
// Where the checkout is, for tests that read scenarios, fixtures or scripts from it.

#include <cstdlib>
#include <string>

namespace ss::test {

/// SESSIONSPEC_SOURCE_DIR (ctest sets it) or the directory the build was configured from: test
/// discovery runs without the ctest environment, so the build records the source dir too.
inline std::string source_dir() {
  const char* dir = std::getenv("SESSIONSPEC_SOURCE_DIR");
  return dir ? dir : SESSIONSPEC_SOURCE_DIR_DEFAULT;
}

}  // namespace ss::test
