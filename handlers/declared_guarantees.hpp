#pragma once
// Guarantees a handler declares about itself, as text (KEY=VALUE): a PHP class's
// sessionspecGuarantees() or #[SessionSpec\Guarantees] (oracle/user_class.hpp), the parameters of
// a php:class: URI, certify's --guarantee, and an exec: handler's `hello` answer
// (docs/handler-protocol.md) all use this one parser, so that they accept the same values.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "handlers/seam.hpp"

namespace ss::handlers {

/// The guarantee keys a handler may declare, in the order certificates list them: concurrency,
/// expiry, ttl_s, id_bytes_max, payload_bytes_max.
[[nodiscard]] const std::vector<std::string>& guarantee_keys();

/// Checks one declared guarantee (`key` = `value`, as text); the reason, naming both, when it is
/// not one.
[[nodiscard]] std::optional<std::string> check_guarantee(const std::string& key,
                                                         const std::string& value);

/// The spelling a checked value is kept in ("gc_only" is "gc-only", "serialized" "serialised").
[[nodiscard]] std::string canonical_guarantee(const std::string& key, std::string value);

/// `base` with every checked declaration of `declared` applied; a declared TTL-less expiry keeps
/// `base.store.ttl_s`.
[[nodiscard]] Guarantees apply_declared(Guarantees base,
                                        const std::map<std::string, std::string>& declared);

}  // namespace ss::handlers
