#pragma once
// A property counterexample as one word the `sessionspec` binary replays: `sessionspec replay
// TOKEN`. The token is RapidCheck's own reproduce string (`reproduce=...`, as RC_PARAMS takes
// it), which already encodes the property id `conformance/ENGINE/URI` beside the random state
// and the shrink path, so the handler and the engine profile are read back from it and the
// token alone reproduces the shrunk case.

#include <optional>
#include <string>

#include "properties/property.hpp"

namespace ss::properties {

/// The handler and engine profile a token's property id names, and the token as
/// RunParams::reproduce takes it; nullopt with a one-line `error` for a token that does not
/// decode or names no conformance property.
[[nodiscard]] std::optional<PropertySpec> spec_from_token(const std::string& token,
                                                          std::string& reproduce,
                                                          std::string& error);

/// The command that replays the failure whose reproduce string (PropertyResult::reproduce) is
/// `reproduce`: `sessionspec replay 'reproduce=...'`, shell-quoted.
[[nodiscard]] std::string replay_command(const std::string& reproduce);

}  // namespace ss::properties
