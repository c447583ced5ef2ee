#pragma once
// Success or error as a value: the one error vocabulary above the model. Operating errors (a
// file that cannot be read, an option that does not resolve, a handler that refuses) travel as
// values and are printed or mapped to an exit code by whoever can decide; bugs are assertions
// (base/assert.hpp), never error values.
//
// std::expected is C++23; this is the small part of it the project uses. The handler seam keeps
// its own error type (handlers::HandlerError, a closed enum with a reason) as `E`.

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace ss::base {

/// The default error: one line, naming the file, argument or value that is wrong.
struct Error {
  std::string message;
};

/// An Error with `message`, for `return base::error("...")`.
[[nodiscard]] inline Error error(std::string message) {
  return Error{std::move(message)};
}

/// A T, or an E saying why there is none. Converts implicitly from either (they must differ),
/// so that a function returns its value or its error as it is.
template <class T, class E = Error>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, E>, "a Result's value and error types must differ");

 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// The value; only when ok().
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  /// The error; only when !ok().
  [[nodiscard]] const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

/// Success without a value, or an error.
using Status = Result<std::monostate>;

/// The successful Status.
[[nodiscard]] inline Status ok() {
  return Status(std::monostate{});
}

}  // namespace ss::base
