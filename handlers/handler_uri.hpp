#pragma once
// Handler URIs: `memory`, `files:DIR`, `table:NAME`, `redis://HOST:PORT[/DB][?k=v&...]`,
// `sqlite:PATH[?k=v]`, `exec:COMMAND`. Parsing is separate from construction so that a malformed
// URI is reported before anything is created. This is the syntax only; the registry
// (handlers/registry.hpp) parses whole handler specs (decorators such as `mutant:NAME+` included)
// and checks each kind's parameters.

#include <map>
#include <optional>
#include <string>

namespace ss::handlers {

struct HandlerUri {
  /// The URI as given (for messages).
  std::string text;
  /// "memory", "files", "table", "redis", "sqlite", "exec".
  std::string scheme;
  /// What follows the scheme's separator, without the query.
  std::string target;
  /// Query parameters (`?mode=lock&ttl_s=60`).
  std::map<std::string, std::string> params;
};

/// Parses `uri`; on failure returns nullopt and sets `error` to a one-line reason.
[[nodiscard]] std::optional<HandlerUri> parse_handler_uri(const std::string& uri,
                                                          std::string& error);

}  // namespace ss::handlers
