#pragma once
// The backend kinds the registry assembles (handlers/registry.cpp). Each backend file ends with a
// function that describes its kind: how to check and make a backend from a parsed URI, how to
// make an isolated instance, and its modes. Deliberately free of client-library includes: the
// registry includes this header, never hiredis.h or sqlite3.h.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "handlers/handler_uri.hpp"
#include "handlers/isolation.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

/// What the registry knows of one backend kind (one URI scheme).
struct BackendKind {
  std::string scheme;
  /// Checks a URI of this kind without creating anything (parameters, paths that cannot work);
  /// the error is one line naming the part that is wrong.
  std::function<Status(const HandlerUri&)> check;
  /// Makes the backend the URI names (`check` has passed).
  std::function<Result<std::unique_ptr<Backend>>(const HandlerUri&, std::uint64_t seed, Clock&)>
      make;
  /// An instance whose store nobody else uses. Empty for kinds that are fresh by construction
  /// (memory; exec, whose every backend is a new child).
  std::function<Result<Isolation>(const HandlerUri&, const IsolationOptions&)> isolate;
  /// The parameter that selects the kind's modes, and its values; nullopt stands for the URI as
  /// given (the kind's default mode). Empty: one mode. `certify --all` certifies each.
  std::string mode_param;
  std::vector<std::optional<std::string>> mode_values;
};

/// The optional backends from a parsed URI, without the registry's checks of decorators
/// (tests of one backend call these directly).
Result<std::unique_ptr<Backend>> make_table_backend(const HandlerUri& uri, std::uint64_t seed,
                                                    Clock& clock);
Result<std::unique_ptr<Backend>> make_redis_backend(const HandlerUri& uri, std::uint64_t seed,
                                                    Clock& clock);
Result<std::unique_ptr<Backend>> make_sqlite_backend(const HandlerUri& uri, std::uint64_t seed,
                                                     Clock& clock);

/// `memory` (handlers/memory_handler.cpp).
[[nodiscard]] BackendKind memory_kind();
/// `files:DIR` (handlers/files_handler.cpp).
[[nodiscard]] BackendKind files_kind();
/// `table:NAME[?...]` (handlers/table_handler.cpp).
[[nodiscard]] BackendKind table_kind();
/// `redis://HOST:PORT[/DB][?mode=...]` (handlers/redis_handler.cpp).
[[nodiscard]] BackendKind redis_kind();
/// `sqlite:PATH[?lock=...]` (handlers/sqlite_handler.cpp).
[[nodiscard]] BackendKind sqlite_kind();
/// `exec:COMMAND[?timeout_ms=N]`: an external handler over JSON lines (handlers/exec_handler.cpp).
[[nodiscard]] BackendKind exec_kind();

}  // namespace ss::handlers
