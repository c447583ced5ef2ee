#pragma once
// Run options (PHP's session ini settings that shape the handler call sequence) and the handler's
// capability variant. Explicit parameters, never read from any global configuration.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "model/codec.hpp"

namespace ss::model {

/// Which optional interfaces the user save handler implements.
enum class Variant : std::uint8_t {
  /// SessionHandlerInterface + SessionIdInterface + SessionUpdateTimestampHandlerInterface.
  full,
  /// SessionHandlerInterface only: PHP makes ids, lazy writes become write().
  basic,
  /// `extends SessionHandler`: create_sid but no validateId / updateTimestamp in PHP 8.2.
  sessionhandler,
};

[[nodiscard]] std::string_view variant_name(Variant v);
[[nodiscard]] std::optional<Variant> parse_variant(std::string_view name);

/// Which methods the handler has, as the session module sees them.
struct Capabilities {
  bool create_sid = true;
  bool validate_id = true;
  bool update_timestamp = true;
};

[[nodiscard]] Capabilities capabilities_of(Variant v);

/// Session ini settings. Defaults follow Debian's php.ini where it differs from PHP's compiled-in
/// defaults in ways that matter for determinism (no random gc, 26-character ids).
struct RunOptions {
  bool lazy_write = true;
  bool use_strict_mode = false;
  Serializer serialize_handler = Serializer::php;
  std::int64_t gc_probability = 0;
  std::int64_t gc_divisor = 1000;
  std::int64_t gc_maxlifetime = 1440;
  std::int64_t sid_length = 26;
  std::int64_t sid_bits_per_character = 5;
  bool read_and_close = false;
  bool use_cookies = true;
  /// 0: an id may also come from the query string ($_GET), and SID names it.
  bool use_only_cookies = true;
  std::string save_path = "/tmp/sessionspec";
  std::string name = "PHPSESSID";

  /// Sets one option by its ini name (without "session."). Returns an error message, or nothing.
  [[nodiscard]] std::optional<std::string> set(std::string_view key, std::string_view value);
  /// All options as ini strings, for traces and for real PHP.
  [[nodiscard]] std::map<std::string, std::string> to_ini() const;
};

}  // namespace ss::model
