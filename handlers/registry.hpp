#pragma once
// The handler registry: the one place that knows every backend kind and owns handler URIs.
//
//   * A handler URI is parsed and checked once into a typed HandlerSpec: its decorators
//     (`mutant:NAME+BASE`, outermost first) and its base URI, whose scheme is built in and whose
//     parameters the kind has checked. Nothing is created while parsing.
//   * A spec makes a backend as named (make_backend), or an *isolated* one (make_isolated): an
//     instance whose store nobody else uses, undone when it goes: files a fresh subdirectory of
//     DIR, sqlite a fresh directory next to PATH, table a fresh name (and directory), redis a
//     fresh key prefix; memory and exec (a new child) are fresh by construction.
//   * isolated_factory() is the BackendFactory of the explorer, check, certify and the tests.
//   * modes_of() lists the modes of a spec's kind (redis: mode=none|optimistic|lock; sqlite: the
//     default and lock=transactional), which `certify --all` certifies.
//
// Optional backends are compiled in only when their targets are built; the core never includes
// their client libraries. Decorators are registered by the code that has them
// (handlers/testing/, which the core libraries never link): a program without them refuses
// `mutant:` URIs with a one-line reason.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "handlers/backend_factory.hpp"
#include "handlers/handler_uri.hpp"
#include "handlers/isolation.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

/// A decorator in front of a base handler: `mutant:NAME+` is kind "mutant", name NAME.
struct DecoratorSpec {
  std::string kind;
  std::string name;
  friend bool operator==(const DecoratorSpec&, const DecoratorSpec&) = default;
};

/// A handler URI parsed and checked once.
struct HandlerSpec {
  /// Outermost first.
  std::vector<DecoratorSpec> decorators;
  /// The base backend's URI.
  HandlerUri base;
  /// The whole URI as given (what replay lines, traces and certificates show).
  std::string text;

  [[nodiscard]] const std::string& scheme() const { return base.scheme; }
  /// The same spec with parameter `key`=`value` on its base (a mode), appended to the text.
  [[nodiscard]] HandlerSpec with_param(const std::string& key, const std::string& value) const;
};

/// Parses and checks `text`: a built-in scheme with valid parameters, known decorators. The
/// error (ErrorCode::unsupported) is one line naming the URI and what is wrong.
[[nodiscard]] Result<HandlerSpec> parse_handler_spec(const std::string& text);

/// Makes the backend `spec` names, as named (`files:DIR` stores in DIR itself).
[[nodiscard]] Result<std::unique_ptr<Backend>> make_backend(const HandlerSpec& spec,
                                                            std::uint64_t seed, Clock& clock);
/// parse_handler_spec, then make_backend. A malformed or unknown URI, an unusable save path or an
/// unreachable server is a HandlerError whose reason is one line naming the URI.
[[nodiscard]] Result<std::unique_ptr<Backend>> make_backend(const std::string& uri,
                                                            std::uint64_t seed, Clock& clock);

/// A backend in a store of its own. Destroying it destroys the backend, then undoes the store:
/// its cleanup (a segment, keys), then its scratch directory unless keep() was called.
class IsolatedBackend final : public Backend {
 public:
  ~IsolatedBackend() override;
  IsolatedBackend(const IsolatedBackend&) = delete;
  IsolatedBackend& operator=(const IsolatedBackend&) = delete;

  [[nodiscard]] std::string uri() const override { return backend_->uri(); }
  [[nodiscard]] Guarantees guarantees() const override { return backend_->guarantees(); }
  [[nodiscard]] std::map<std::string, std::string> declared_by() const override {
    return backend_->declared_by();
  }
  [[nodiscard]] model::Capabilities capabilities() const override {
    return backend_->capabilities();
  }
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override {
    return backend_->connect(env);
  }
  [[nodiscard]] FaultControl* fault_control() override { return backend_->fault_control(); }

  /// The directory holding one file per session (files, table), or "".
  [[nodiscard]] const std::string& data_dir() const { return isolation_.data_dir; }
  /// The directory made for this instance, or "" when none was.
  [[nodiscard]] const std::string& scratch_dir() const { return isolation_.scratch_dir; }
  /// Leaves the scratch directory in place (a failing scenario's files, for a human to look at)
  /// and returns it; "" when the instance has none. The rest of the cleanup still runs.
  std::string keep();

 private:
  friend Result<std::unique_ptr<IsolatedBackend>> make_isolated(const HandlerSpec&, std::uint64_t,
                                                                Clock&, const IsolationOptions&);
  explicit IsolatedBackend(Isolation isolation) : isolation_(std::move(isolation)) {}
  Isolation isolation_;
  std::unique_ptr<Backend> backend_;
  bool kept_ = false;
};

/// Makes `spec`'s backend in a store nobody else uses (see the top of this file). Fails with the
/// kind's reason (a save path that does not exist, an unreachable server); whatever isolating
/// created is undone then too.
[[nodiscard]] Result<std::unique_ptr<IsolatedBackend>> make_isolated(
    const HandlerSpec& spec, std::uint64_t seed, Clock& clock,
    const IsolationOptions& options = {});

/// A factory of isolated instances of `spec`: one per explored schedule, property case or race.
[[nodiscard]] BackendFactory isolated_factory(HandlerSpec spec);
/// The same for a URI parsed here, once; a URI that does not parse gives a factory whose every
/// call fails with the reason (for tests and benchmarks that name their handler in code).
[[nodiscard]] BackendFactory isolated_factory(const std::string& uri);

/// The modes of `spec`'s kind as specs, in a fixed order; `spec` alone when its kind has one mode
/// or the spec already chooses one.
[[nodiscard]] std::vector<HandlerSpec> modes_of(const HandlerSpec& spec);

/// The schemes this build can make, in the registry's order.
[[nodiscard]] std::vector<std::string> available_schemes();

/// The handler URIs suites run against when nothing else is asked for: memory, files and SQLite
/// under `scratch_dir`, table, and redis on 127.0.0.1 when the REDIS_PORT environment variable
/// names a port. Not probed: a scheme this build lacks is still listed.
[[nodiscard]] std::vector<std::string> candidate_handlers(const std::string& scratch_dir);

/// The candidates whose isolated backends can be made here (in this build, with their server up).
[[nodiscard]] std::vector<std::string> available_handlers(const std::string& scratch_dir);

/// A kind of decorator (`KIND:NAME+BASE`): wraps any backend.
struct DecoratorKind {
  std::string kind;
  /// Checks NAME; the error is one line naming it.
  std::function<Status(const std::string& name)> check;
  std::function<Result<std::unique_ptr<Backend>>(const std::string& name,
                                                 std::unique_ptr<Backend> base)>
      wrap;
};

/// Makes `KIND:NAME+BASE` URIs work in this program (replacing an earlier registration of KIND).
/// Call before any thread makes backends (main, a test's set-up).
void register_decorator(DecoratorKind kind);

}  // namespace ss::handlers
