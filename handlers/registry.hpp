#pragma once
// Builds a Backend from a handler URI. Optional backends (Redis, SQLite, ...) are compiled in
// only when their targets are built; the core never includes their client libraries.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "handlers/seam.hpp"

namespace ss::handlers {

/// Creates the backend `uri` names. A malformed or unknown URI, an unusable save path or an
/// unreachable server is a HandlerError whose reason is one line naming the URI.
[[nodiscard]] Result<std::unique_ptr<Backend>> make_backend(const std::string& uri,
                                                            std::uint64_t seed, Clock& clock);

/// The handler URIs `certify --all` and the README's main job use (built-in handlers whose
/// backends need no server; see the scripts for Redis).
[[nodiscard]] std::vector<std::string> builtin_handler_examples(const std::string& scratch_dir);

}  // namespace ss::handlers
