#pragma once
// Isolated instances of a backend: a store nobody else uses, so that one scenario, property case
// or explored schedule never sees another one's sessions. Each backend kind says how to make one
// (handlers/factories.hpp); the registry (handlers/registry.hpp) owns the instance and undoes it.

#include <functional>
#include <string>

#include "handlers/handler_uri.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

/// How an isolated instance is named.
struct IsolationOptions {
  /// The stem of its scratch directory (`LABEL-XXXXXX`): "case" for property cases and runs;
  /// `check` uses "scn-NAME" so that a kept directory says which scenario it holds.
  std::string label = "case";
};

/// One isolated instance's store: the URI to make it with and what to undo afterwards.
struct Isolation {
  HandlerUri uri;
  /// A directory made for the instance, removed (recursively) after it, or "".
  std::string scratch_dir;
  /// The directory holding one file per session, for checks that nothing else appears in it
  /// (files, table), or "" when the store is not such a directory.
  std::string data_dir;
  /// Anything else to undo (a shared-memory segment, Redis keys), run after the backend is gone
  /// and before the scratch directory is removed. Best effort: it reports nothing.
  std::function<void()> cleanup;
};

/// A new directory `parent/LABEL-XXXXXX` (mode 0700), or an error naming `uri_text` and `parent`.
[[nodiscard]] Result<std::string> make_scratch_dir(const std::string& parent,
                                                   const std::string& label,
                                                   const std::string& uri_text);

/// A name unique within this process and among processes alive at once: `PID-N`.
[[nodiscard]] std::string unique_instance_suffix();

}  // namespace ss::handlers
