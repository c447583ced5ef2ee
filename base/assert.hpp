#pragma once
// Always-on assertions: the second error channel. Operating errors are values (base/result.hpp);
// a broken invariant is a bug, and SS_ASSERT stops at once with where and why. Never compiled
// out: NDEBUG does not touch it, and simulation, fuzz and sanitizer builds keep every check.
//
// By default a failed assertion prints `file:line: assertion failed: COND: MESSAGE` to stderr
// and aborts. Tests switch it to throw base::AssertionFailure instead (ScopedAssertThrows), so
// that the invariants themselves can be tested.

#include <stdexcept>
#include <string>
#include <string_view>

namespace ss::base {

/// What a failed SS_ASSERT throws while a ScopedAssertThrows is alive.
class AssertionFailure : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// Reports a failed assertion: throws AssertionFailure in throwing mode, else prints and
/// aborts. Called by SS_ASSERT only.
[[noreturn]] void assertion_failed(const char* condition, std::string_view message,
                                   const char* file, int line);

/// While alive, failed assertions throw AssertionFailure instead of aborting (tests). Nests.
class ScopedAssertThrows {
 public:
  ScopedAssertThrows();
  ~ScopedAssertThrows();
  ScopedAssertThrows(const ScopedAssertThrows&) = delete;
  ScopedAssertThrows& operator=(const ScopedAssertThrows&) = delete;
};

}  // namespace ss::base

/// Checks an invariant; `message` (anything a std::string_view takes) is evaluated only when
/// `condition` is false, so it may format.
#define SS_ASSERT(condition, message) \
  ((condition) ? static_cast<void>(0) \
               : ::ss::base::assertion_failed(#condition, (message), __FILE__, __LINE__))
