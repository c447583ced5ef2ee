#pragma once
// The stateful conformance property, runnable from GoogleTest (rc::detail::checkGTest) and
// programmatically with a seed, a case budget and an optional reproduce string (the mutants verb,
// certify, the shrink/replay test). docs/properties.md explains how to read and replay failures.

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include "model/engine.hpp"
#include "properties/commands.hpp"
#include "properties/harness.hpp"

namespace ss::properties {

/// What one case ended with (for tests that look at the shrunk case).
struct CaseSummary {
  /// Commands in the case's sequence.
  std::size_t commands = 0;
  /// The case's failure, if any.
  std::optional<std::string> failure;
};

/// Which handler and engine profile a property runs against.
struct PropertySpec {
  /// A handler URI: memory, files:DIR, table:NAME, sqlite:PATH, redis://..., mutant:NAME+BASE.
  std::string handler_uri = "memory";
  model::EngineKind engine = model::EngineKind::php82;
  /// Called after every case, passed or failed.
  std::function<void(const CaseSummary&)> on_case;
  /// Where run_property() prints the last case's steps and handler calls (after a replay: the
  /// reported case); nullptr: nowhere.
  std::ostream* trace = nullptr;
};

/// The property's id, which reproduce strings are keyed by: `conformance/ENGINE/URI`.
[[nodiscard]] std::string property_id(const PropertySpec& spec);

/// A case's configuration: lazy_write, use_strict_mode, serializer, gc probability 0 or 1/1,
/// gc_maxlifetime 100 or 1440 s, capability variant and seed. Shrinks towards PHP's defaults.
[[nodiscard]] rc::Gen<CaseConfig> gen_case(model::EngineKind engine);

/// How counterexamples show a case's configuration (found by RapidCheck through ADL).
void showValue(const CaseConfig& cfg, std::ostream& os);

/// The property: draw a case, run a generated command sequence against a fresh store, finish
/// and audit. Fails with the harness's explanation.
[[nodiscard]] std::function<void()> conformance_property(PropertySpec spec);

/// How to run a property programmatically.
struct RunParams {
  std::uint64_t seed = 1;
  int max_success = 100;
  int max_size = 100;
  bool shrink = true;
  /// `reproduce=...` from an earlier failure (as RC_PARAMS takes it): replays exactly the case
  /// that failed, shrunk as it was; the other fields are then ignored.
  std::string reproduce;
};

/// The outcome of a programmatic run.
struct PropertyResult {
  bool passed = false;
  /// Too many discarded cases, or RapidCheck itself failed (`description` says which).
  bool error = false;
  /// Cases that passed (before the failure, if any).
  int cases = 0;
  /// Shrinking steps taken to reach the counterexample.
  int shrinks = 0;
  /// Cases discarded because they reached an excused bug (Tolerances).
  int discarded = 0;
  /// The failure's explanation, as the harness wrote it.
  std::string description;
  /// The shrunk counterexample: one line per drawn value, the command sequence last.
  std::string counterexample;
  /// `reproduce=...`, for RC_PARAMS or RunParams::reproduce.
  std::string reproduce;
};

/// RunParams from RapidCheck's configuration (the RC_PARAMS environment variable): seed,
/// max_success, max_size, noshrink, and a `reproduce=` entry recorded for this spec's property
/// id. So RC_PARAMS="max_success=20000" runs a long campaign, and the replay line a failure
/// prints replays it.
[[nodiscard]] RunParams params_from_environment(const PropertySpec& spec);

/// Runs the property for `spec` without printing anything.
[[nodiscard]] PropertyResult run_property(const PropertySpec& spec, const RunParams& params);

/// A failure as the CLI and tests print it: seed, explanation, counterexample, replay line.
[[nodiscard]] std::string format_failure(const PropertySpec& spec, const RunParams& params,
                                         const PropertyResult& result);

}  // namespace ss::properties
