#include "model/options.hpp"

#include <charconv>

namespace ss::model {

std::string_view variant_name(Variant v) {
  switch (v) {
    case Variant::full: return "full";
    case Variant::basic: return "basic";
    case Variant::sessionhandler: return "sessionhandler";
  }
  return "?";
}

std::optional<Variant> parse_variant(std::string_view name) {
  if (name == "full") return Variant::full;
  if (name == "basic") return Variant::basic;
  if (name == "sessionhandler") return Variant::sessionhandler;
  return std::nullopt;
}

Capabilities capabilities_of(Variant v) {
  switch (v) {
    case Variant::full: return {true, true, true};
    case Variant::basic: return {false, false, false};
    case Variant::sessionhandler: return {true, false, false};
  }
  return {};
}

namespace {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::string> set_bool(bool& field, std::string_view key, std::string_view value) {
  if (value == "1" || value == "true" || value == "on") {
    field = true;
  } else if (value == "0" || value == "false" || value == "off") {
    field = false;
  } else {
    return "invalid value for " + std::string(key) + ": '" + std::string(value) + "' (want 0 or 1)";
  }
  return std::nullopt;
}

std::optional<std::string> set_int(std::int64_t& field, std::string_view key,
                                   std::string_view value, std::int64_t lo, std::int64_t hi) {
  auto v = to_int(value);
  if (!v || *v < lo || *v > hi) {
    return "invalid value for " + std::string(key) + ": '" + std::string(value) + "' (want " +
           std::to_string(lo) + ".." + std::to_string(hi) + ")";
  }
  field = *v;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> RunOptions::set(std::string_view key, std::string_view value) {
  constexpr std::int64_t big = 1'000'000'000'000;
  if (key == "lazy_write") return set_bool(lazy_write, key, value);
  if (key == "use_strict_mode") return set_bool(use_strict_mode, key, value);
  if (key == "read_and_close") return set_bool(read_and_close, key, value);
  if (key == "use_cookies") return set_bool(use_cookies, key, value);
  if (key == "use_only_cookies") return set_bool(use_only_cookies, key, value);
  if (key == "gc_probability") return set_int(gc_probability, key, value, 0, big);
  if (key == "gc_divisor") return set_int(gc_divisor, key, value, 1, big);
  if (key == "gc_maxlifetime") return set_int(gc_maxlifetime, key, value, 0, big);
  if (key == "sid_length") return set_int(sid_length, key, value, 22, 256);
  if (key == "sid_bits_per_character") return set_int(sid_bits_per_character, key, value, 4, 6);
  if (key == "serialize_handler") {
    auto s = parse_serializer(value);
    if (!s) {
      return "invalid value for serialize_handler: '" + std::string(value) +
             "' (want php, php_serialize or php_binary)";
    }
    serialize_handler = *s;
    return std::nullopt;
  }
  if (key == "save_path") {
    save_path = value;
    return std::nullopt;
  }
  if (key == "name") {
    if (value.empty()) return "invalid value for name: '' (want a cookie name)";
    name = value;
    return std::nullopt;
  }
  return "unknown option '" + std::string(key) + "'";
}

std::map<std::string, std::string> RunOptions::to_ini() const {
  auto b = [](bool v) { return std::string(v ? "1" : "0"); };
  return {
      {"lazy_write", b(lazy_write)},
      {"use_strict_mode", b(use_strict_mode)},
      {"serialize_handler", std::string(serializer_name(serialize_handler))},
      {"gc_probability", std::to_string(gc_probability)},
      {"gc_divisor", std::to_string(gc_divisor)},
      {"gc_maxlifetime", std::to_string(gc_maxlifetime)},
      {"sid_length", std::to_string(sid_length)},
      {"sid_bits_per_character", std::to_string(sid_bits_per_character)},
      {"read_and_close", b(read_and_close)},
      {"use_cookies", b(use_cookies)},
      {"use_only_cookies", b(use_only_cookies)},
      {"save_path", save_path},
      {"name", name},
  };
}

}  // namespace ss::model
