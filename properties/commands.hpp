#pragma once
// The RapidCheck commands of the stateful conformance property: one per script call the model
// knows (session_start with options, $_SESSION set / unset / incr / push, write_close, abort,
// regenerate, reset, session_id before start, destroy, gc, create_id, advancing the clock), plus
// a new request (with or without a cookie), an overlapping request, and another process's read.
//
// The executable model (a shadow engine answered by the reference store) lives in the Harness,
// because it has to be fed the handler's real ids. What RapidCheck calls the model here is only a
// cheap prediction that steers generation and survives shrinking; every command is valid in
// every real state (PHP answers misuse with warnings, which the engines model).

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <memory>
#include <vector>

#include "properties/harness.hpp"

namespace ss::properties {

/// The state generation sees.
struct GenState {
  model::EngineKind engine = model::EngineKind::php82;
  /// Overlapping requests are generated (Harness::overlap_allowed()).
  bool overlap = false;
  /// A session is probably active (the last start was not undone).
  bool active = false;
  /// $_SESSION probably changed since the start: a lazy write would not just touch.
  bool dirty = false;
  /// Another request overlapped the active session: ending this one now tells whether the
  /// handler's touch or write respects what the other one stored.
  bool overlapped = false;
};

using Command = rc::state::Command<GenState, Harness>;
using CommandPtr = std::shared_ptr<const Command>;
using CommandSequence = rc::state::Commands<Command>;

/// One command suited to `state`: mostly session_start while no session is active, mostly
/// $_SESSION changes while one is.
[[nodiscard]] rc::Gen<CommandPtr> gen_command(const GenState& state);

/// Runs `commands` against `harness` from `initial`, without RapidCheck's assertions: returns
/// the index of the command that failed, or the sequence's size when all passed. For
/// benchmarks and the CLI, which replay generated sequences outside a property.
std::size_t run_commands(const CommandSequence& commands, const GenState& initial,
                         Harness& harness);

}  // namespace ss::properties
