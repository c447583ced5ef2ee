#include "model/engine.hpp"

#include "model/detail/engine_common.hpp"

namespace ss::model {

std::string_view engine_name(EngineKind k) {
  switch (k) {
    case EngineKind::php82: return "php-8.2";
    case EngineKind::legacy: return "php-legacy";
    case EngineKind::zealphp: return "zealphp";
  }
  return "?";
}

std::optional<EngineKind> parse_engine(std::string_view name) {
  if (name == "php-8.2") return EngineKind::php82;
  if (name == "php-legacy") return EngineKind::legacy;
  if (name == "zealphp") return EngineKind::zealphp;
  return std::nullopt;
}

std::unique_ptr<Engine> make_engine(EngineKind kind, RequestContext ctx, Rng& rng) {
  switch (kind) {
    case EngineKind::php82: return make_php_engine(std::move(ctx), rng, false);
    case EngineKind::legacy: return make_php_engine(std::move(ctx), rng, true);
    case EngineKind::zealphp: return make_zeal_engine(std::move(ctx), rng);
  }
  return nullptr;
}

bool valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > session_id_bytes_max) return false;
  return valid_id_prefix(id);
}

std::string php_made_id(Rng& rng, std::int64_t length, std::int64_t bits) {
  static constexpr std::string_view alphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,-";
  if (bits < 4 || bits > 6) bits = 4;
  if (length < 22 || length > 256) length = 32;
  std::string id;
  id.reserve(static_cast<std::size_t>(length));
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  for (std::int64_t i = 0; i < length; ++i) id += alphabet[rng.next() & mask];
  return id;
}

}  // namespace ss::model
