#pragma once
// Assertions for fuzz targets: always on (never compiled out, in any build type), and a violation
// prints the property and the place before abort(), so that libFuzzer saves the input and the
// replay build reports the same line.

#include <cstdio>
#include <cstdlib>
#include <string>

namespace ss::fuzz {

/// Prints "fuzz property violated: WHAT (FILE:LINE)" plus optional detail, then aborts.
[[noreturn]] inline void violated(const char* what, const char* file, int line,
                                  const std::string& detail = {}) {
  std::fprintf(stderr, "fuzz property violated: %s (%s:%d)\n", what, file, line);
  if (!detail.empty()) std::fprintf(stderr, "%s\n", detail.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace ss::fuzz

/// FUZZ_CHECK(cond, detail): aborts with the condition's text when `cond` is false. `detail` is a
/// std::string expression evaluated only on failure.
#define FUZZ_CHECK(cond, detail)                                            \
  do {                                                                      \
    if (!(cond)) ::ss::fuzz::violated(#cond, __FILE__, __LINE__, (detail)); \
  } while (false)
