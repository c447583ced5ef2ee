#pragma once
// Handler targets for property cases. A property runs hundreds of cases against one handler URI;
// each case needs a store nobody else has touched, or one case's sessions would leak into the
// next case's answers. A HandlerTarget turns the URI into a fresh, isolated backend per case and
// removes what the case left behind.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "handlers/clock.hpp"
#include "handlers/seam.hpp"

namespace ss::properties {

/// A backend made for one case, with the scratch directory it stores into (if any). Destroying
/// it destroys the backend first, then removes the scratch directory and runs the cleanup.
class CaseBackend {
 public:
  CaseBackend(std::unique_ptr<handlers::Backend> backend, std::string scratch_dir,
              std::function<void()> cleanup);
  ~CaseBackend();
  CaseBackend(const CaseBackend&) = delete;
  CaseBackend& operator=(const CaseBackend&) = delete;

  [[nodiscard]] handlers::Backend& get() { return *backend_; }

 private:
  std::unique_ptr<handlers::Backend> backend_;
  std::string scratch_dir_;
  std::function<void()> cleanup_;
};

/// A CaseBackend behind the plain Backend interface (for the explorer, check and certify).
[[nodiscard]] std::unique_ptr<handlers::Backend> as_backend(std::unique_ptr<CaseBackend> c);

/// A factory of isolated backends for `uri` (one per explored schedule or certified race).
[[nodiscard]] std::function<handlers::Result<std::unique_ptr<handlers::Backend>>(
    handlers::Clock& clock, std::uint64_t seed)>
isolated_backends(const std::string& uri);

/// Makes isolated backends from one handler URI (see handlers/handler_uri.hpp):
/// `files:DIR` gets a fresh subdirectory of DIR per case, `sqlite:PATH` a fresh directory next to
/// PATH, `table:NAME` a fresh table name, `redis://...` a fresh key prefix; `mutant:NAME+BASE`
/// wraps an isolated BASE. Anything else (memory) is fresh by construction.
class HandlerTarget {
 public:
  explicit HandlerTarget(std::string uri) : uri_(std::move(uri)) {}

  [[nodiscard]] const std::string& uri() const { return uri_; }

  /// A new isolated backend on `clock`. Fails with the registry's reason (unknown scheme, a
  /// directory that does not exist, an unreachable server).
  [[nodiscard]] handlers::Result<std::unique_ptr<CaseBackend>> make(std::uint64_t seed,
                                                                    handlers::Clock& clock) const;

 private:
  std::string uri_;
};

/// The handler URIs properties run against when nothing else is asked for: memory, files and
/// SQLite (under `scratch_dir`), table, and redis on 127.0.0.1 when the REDIS_PORT environment
/// variable names a port. Not probed: a scheme this build lacks is still listed.
[[nodiscard]] std::vector<std::string> candidate_handlers(const std::string& scratch_dir);

/// The candidates whose backends can be made here (in this build, with their server up). A new
/// handler needs no change here beyond its scheme in candidate_handlers().
[[nodiscard]] std::vector<std::string> available_handlers(const std::string& scratch_dir);

}  // namespace ss::properties
