#pragma once
// Deliberately wrong engines: the model's engine, except that each misreports one thing the
// script or the client sees. They prove that the judge compares what PHP shows (session status,
// session id, Set-Cookie) and not only the handler's answers: the judge's shadow engine is always
// the model's own, so every lie must come out as a failure of `check`.
// On the command line: `--engine mutant:NAME+ENGINE`, e.g. `mutant:status-none+php-8.2`.
//
// Part of handlers/testing/ (ss_handlers_testing): the core libraries never link it.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "model/engine.hpp"

namespace ss::handlers {

/// What an engine mutant gets wrong.
enum class EngineLie : std::uint8_t {
  /// session_status() reports "none" while a session is active.
  status_none,
  /// session_id() reports the id with an extra character.
  id_suffixed,
  /// The response carries no Set-Cookie line.
  no_set_cookie,
};

struct EngineMutantInfo {
  std::string name;
  std::string description;
  EngineLie lie = EngineLie::status_none;
};

/// Every engine mutant this build knows.
[[nodiscard]] const std::vector<EngineMutantInfo>& engine_mutant_catalogue();

/// Makes the engines under test of a run (scenarios::RunConfig::engine_factory's type).
using EngineFactory = std::function<std::unique_ptr<model::Engine>(
    model::EngineKind, model::RequestContext, model::Rng&)>;

/// Engines of any kind that tell `lie`.
[[nodiscard]] EngineFactory lying_engines(EngineLie lie);

/// A parsed `mutant:NAME+ENGINE` engine name.
struct EngineMutantSpec {
  model::EngineKind base = model::EngineKind::php82;
  EngineFactory factory;
};

/// Parses `mutant:NAME+ENGINE`; nullopt when `text` does not start with `mutant:` (a plain
/// engine name), an error naming the part that is wrong otherwise.
[[nodiscard]] std::optional<base::Result<EngineMutantSpec>> parse_engine_mutant(
    std::string_view text);

}  // namespace ss::handlers
