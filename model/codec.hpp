#pragma once
// PHP's session serialisers (`php`, `php_serialize`, `php_binary`) and serialize()'s value format,
// byte-identical to PHP 8.2. Errors are values: nothing here throws or aborts on any input.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/value.hpp"

namespace ss::model {

/// session.serialize_handler.
enum class Serializer { php, php_serialize, php_binary };

/// Parses "php" / "php_serialize" / "php_binary".
[[nodiscard]] std::optional<Serializer> parse_serializer(std::string_view name);
[[nodiscard]] std::string_view serializer_name(Serializer s);

/// A decode failure: where in the input and why.
struct DecodeError {
  std::size_t offset = 0;
  std::string message;
  friend bool operator==(const DecodeError&, const DecodeError&) = default;
};

/// Nesting is bounded as PHP bounds it (unserialize_max_depth, 4096 by default); the deepest
/// legal value decodes within 1 MiB of stack (see codec.cpp), so hostile input cannot exhaust it.
inline constexpr std::size_t decode_depth_max = 4096;

/// The outcome of encoding $_SESSION. PHP can refuse or drop parts silently; those outcomes are
/// data here so that the engine can reproduce PHP's warnings and its write(id, "").
struct EncodeResult {
  /// The bytes PHP hands to write(). Empty when `failed`.
  std::string bytes;
  /// True when PHP's encoder gave up (a '|' in a key under `php`); PHP then writes "".
  bool failed = false;
  /// Top-level numeric keys skipped under php/php_binary ("Skipping numeric key N" warnings).
  std::vector<std::int64_t> skipped_numeric_keys;
};

/// serialize($value) as PHP 8.2 prints it (serialize_precision = -1).
[[nodiscard]] std::string serialize(const Value& value);

/// unserialize() for the value grammar (N b i d s a O, and R/r references where PHP resolves
/// them, as Reference leaves).
/// Returns the value and how many bytes it used.
[[nodiscard]] std::variant<std::pair<Value, std::size_t>, DecodeError> unserialize_prefix(
    std::string_view bytes);

/// unserialize() of a whole string: trailing bytes are an error (PHP 8.2 ignores them silently;
/// use unserialize_prefix() to get its behaviour).
[[nodiscard]] std::variant<Value, DecodeError> unserialize(std::string_view bytes);

/// session_encode() of `session` under `format`.
[[nodiscard]] EncodeResult encode_session(const Array& session, Serializer format);

/// session_decode() of `bytes` under `format`. An empty string decodes to an empty array.
/// Under php/php_binary names are kept verbatim as string keys ("7|i:1;" gives the string key
/// "7"); PHP merges them into the existing $_SESSION, which is the caller's job. Under
/// php_serialize PHP ignores trailing bytes and accepts a non-array value (see
/// decode_session_value); this function reports the latter as a DecodeError at offset 0.
[[nodiscard]] std::variant<Array, DecodeError> decode_session(std::string_view bytes,
                                                              Serializer format);

/// The value $_SESSION holds after PHP decodes `bytes`: always an Array under php/php_binary,
/// but under php_serialize whatever unserialize() produced ("i:5;" leaves $_SESSION === 5, after
/// which PHP neither encodes nor writes the session), with N; turned into an empty array.
[[nodiscard]] std::variant<Value, DecodeError> decode_session_value(std::string_view bytes,
                                                                    Serializer format);

}  // namespace ss::model
