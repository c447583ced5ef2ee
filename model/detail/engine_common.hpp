#pragma once
// Pieces the engine profiles share. Internal to model/ (model/detail/ is not installed, and
// ci/check_layers.py refuses an include of it from outside model/).

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/codec.hpp"
#include "model/engine.hpp"

namespace ss::model {

std::unique_ptr<Engine> make_php_engine(RequestContext ctx, Rng& rng, bool legacy);
std::unique_ptr<Engine> make_zeal_engine(RequestContext ctx, Rng& rng);

void notice(Outcome& out, std::string message);
void warn(Outcome& out, std::string message);

/// session_start([...]) options override ini settings for this start. Returns an error message.
std::optional<std::string> apply_start_options(RunOptions& opts,
                                               const std::map<std::string, std::string>& given);

/// ini_set("session." key, value) at runtime, as PHP 8.2's ini handlers take it: the warning it
/// raises (PHP's text after "ini_set(): ") when it refuses the value, or nothing when `opts` now
/// holds it. Only keys of RunOptions::to_ini() but read_and_close.
std::optional<std::string> php_ini_set(RunOptions& opts, std::string_view key,
                                       std::string_view value);

/// PHP silently drops a cookie id holding characters that could split headers.
bool cookie_id_acceptable(std::string_view id);

/// session_create_id()'s prefix rule.
bool valid_id_prefix(std::string_view prefix);

/// Draws PHP's gc probability (gc_probability / gc_divisor).
bool gc_hits(Rng& rng, const RunOptions& opts);

/// Encodes $_SESSION for write(), adding PHP's "Skipping numeric key" warnings.
/// `function` names the PHP function the warnings are attributed to.
EncodeResult encode_for_write(Outcome& out, const Array& vars, Serializer format,
                              std::string_view function);

/// The class name PHP's warnings name for a variant's handler.
std::string handler_class(Variant v);

}  // namespace ss::model

namespace ss::model {
/// ZealPHP's close-time merge: array_merge(stored, mine) minus loaded keys the request removed.
Array zeal_merge(const Array& stored, const Array& mine, const std::vector<Key>& loaded);
}  // namespace ss::model
