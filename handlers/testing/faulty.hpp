#pragma once
// The fault decorator: `fault:PLAN+BASE` wraps any backend so that its calls can fail on
// purpose, and so that the explorer can make a request's next call fail or run while the
// backend suffers a real fault (handlers/faults.hpp, FaultControl). Injected failures carry
// ErrorCode::injected, never a real error's code, so that nobody mistakes them for the
// backend's own.
//
// PLAN is `none` (only what the explorer arms) or a comma-separated list of METHOD[#N] (PHP's
// method names; N from 1, default 1): in every request, the Nth call of METHOD fails, e.g.
// `fault:read+files:/tmp/s` makes every request's first read fail (PHP then refuses to start
// the session), `fault:write#1,close+memory` the first write and close.
//
// Part of handlers/testing/ (ss_handlers_testing), like the mutants: the core never links it.

#include <memory>
#include <string>

#include "handlers/faults.hpp"
#include "handlers/registry.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

/// Makes `fault:PLAN+BASE` URIs work in this program (the registry's decorator kind "fault").
/// Idempotent; call before any thread makes backends.
void register_faults();

/// Wraps `base` in the fault decorator with static plan `plan`; fails for a malformed plan.
[[nodiscard]] Result<std::unique_ptr<Backend>> make_faulty(const std::string& plan,
                                                           std::unique_ptr<Backend> base);

/// The decorator kind's name, as URIs spell it.
inline constexpr const char* fault_decorator = "fault";

/// `spec` with `fault:none` as its innermost decorator, right in front of the base, unless it
/// has a fault decorator already: faults then strike the base's own calls, and the decorators
/// the URI names (a mutant) see them as the base's failures, as they would a real one. The
/// spec's text stays as given (replay lines name the URI the user gave).
[[nodiscard]] HandlerSpec with_fault_decorator(HandlerSpec spec);

}  // namespace ss::handlers
