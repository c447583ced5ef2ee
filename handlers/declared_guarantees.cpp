#include "handlers/declared_guarantees.hpp"

#include <charconv>

namespace ss::handlers {

namespace {

/// The largest value a numeric guarantee may have (a 16 MiB payload, a 256-byte id, a year).
constexpr long long guarantee_value_max = 1LL << 31;

std::optional<long long> guarantee_integer(const std::string& text) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

const std::vector<std::string>& guarantee_keys() {
  static const std::vector<std::string> keys = {"concurrency", "expiry", "ttl_s", "id_bytes_max",
                                                "payload_bytes_max"};
  return keys;
}

std::string canonical_guarantee(const std::string& key, std::string value) {
  // "gc_only" as docs/handlers.md spells the expiry in prose; both spellings of serialised.
  if (key == "expiry" && value == "gc_only") value = "gc-only";
  if (key == "concurrency" && value == "serialized") value = "serialised";
  return value;
}

std::optional<std::string> check_guarantee(const std::string& key, const std::string& raw) {
  const std::string value = canonical_guarantee(key, raw);
  if (key == "concurrency") {
    if (value == "serialised" || value == "last-writer-wins" || value == "merge-disjoint-keys") {
      return std::nullopt;
    }
    return "concurrency=" + raw + " is not serialised, last-writer-wins or merge-disjoint-keys";
  }
  if (key == "expiry") {
    if (value == "gc-only" || value == "ttl" || value == "lazy") return std::nullopt;
    return "expiry=" + raw + " is not gc-only, ttl or lazy";
  }
  if (key == "ttl_s" || key == "id_bytes_max" || key == "payload_bytes_max") {
    const auto n = guarantee_integer(value);
    const long long max = key == "id_bytes_max" ? 256 : guarantee_value_max;
    if (n && *n >= 1 && *n <= max) return std::nullopt;
    return key + "=" + raw + " is not an integer 1.." + std::to_string(max);
  }
  return "unknown guarantee '" + key + "' (want concurrency, expiry, ttl_s, id_bytes_max or " +
         "payload_bytes_max)";
}

Guarantees apply_declared(Guarantees g, const std::map<std::string, std::string>& declared) {
  const auto value = [&declared](const char* key) -> std::optional<std::string> {
    const auto it = declared.find(key);
    if (it == declared.end()) return std::nullopt;
    return canonical_guarantee(key, it->second);
  };
  if (auto c = value("concurrency")) {
    g.concurrency = *c == "serialised"            ? Concurrency::serialised
                    : *c == "merge-disjoint-keys" ? Concurrency::merge_disjoint_keys
                                                  : Concurrency::last_writer_wins;
  }
  if (auto e = value("expiry")) {
    g.store.expiry = *e == "ttl"    ? model::Expiry::ttl
                     : *e == "lazy" ? model::Expiry::lazy
                                    : model::Expiry::gc_only;
  }
  const auto number = [&value](const char* key) -> std::optional<long long> {
    const auto v = value(key);
    return v ? guarantee_integer(*v) : std::nullopt;
  };
  if (auto n = number("ttl_s")) g.store.ttl_s = *n;
  if (auto n = number("id_bytes_max")) g.store.id_bytes_max = static_cast<std::size_t>(*n);
  if (auto n = number("payload_bytes_max")) {
    g.store.payload_bytes_max = static_cast<std::size_t>(*n);
    g.payload_bytes_max = g.store.payload_bytes_max;
  }
  return g;
}

}  // namespace ss::handlers
