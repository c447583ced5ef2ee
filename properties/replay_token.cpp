#include "properties/replay_token.hpp"

#include <rapidcheck.h>

#include "base/shell_quote.hpp"

namespace ss::properties {

namespace {

constexpr std::string_view token_key = "reproduce=";
constexpr std::string_view id_prefix = "conformance/";

}  // namespace

std::optional<PropertySpec> spec_from_token(const std::string& token, std::string& reproduce,
                                            std::string& error) {
  // The token may come with or without its `reproduce=` key, as RC_PARAMS or as printed.
  reproduce = token.rfind(token_key, 0) == 0 ? token : std::string(token_key) + token;
  rc::detail::Configuration config;
  try {
    config = rc::detail::configFromString(reproduce);
  } catch (const std::exception& e) {
    error = "malformed replay token (" + std::string(e.what()) + ")";
    return std::nullopt;
  }
  if (config.reproduce.size() != 1) {
    error = "malformed replay token: it names " + std::to_string(config.reproduce.size()) +
            " properties (want one, as a failure prints it)";
    return std::nullopt;
  }
  const std::string id = config.reproduce.begin()->first;
  const std::size_t slash = id.find('/', id_prefix.size());
  if (id.rfind(id_prefix, 0) != 0 || slash == std::string::npos) {
    error = "malformed replay token: '" + id + "' is not a conformance property id";
    return std::nullopt;
  }
  const std::string engine = id.substr(id_prefix.size(), slash - id_prefix.size());
  const auto kind = model::parse_engine(engine);
  if (!kind) {
    error = "malformed replay token: unknown engine '" + engine + "'";
    return std::nullopt;
  }
  PropertySpec spec;
  spec.engine = *kind;
  spec.handler_uri = id.substr(slash + 1);
  return spec;
}

std::string replay_command(const std::string& reproduce) {
  return base::shell_join({"sessionspec", "replay", reproduce});
}

}  // namespace ss::properties
