#pragma once
// `exec:COMMAND[?timeout_ms=N]`: a save handler written in any language, run as a child process
// and driven over JSON lines on its stdin/stdout (docs/handler-protocol.md,
// "sessionspec-handler-protocol/1"). adapters/php/serve.php serves any PHP SessionHandlerInterface
// class this way.
//
// One child per backend, started (and greeted: hello/capabilities) when the backend is made, so a
// command that does not work is reported before any scenario runs. Each connect() opens a
// protocol *session*: the child keeps one handler instance per session, as PHP keeps one per
// request. A child that crashes, hangs past the per-call timeout or answers garbage is killed;
// that call and every later one fail with ErrorCode::connection and a reason. The child is
// killed when the backend is destroyed.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "handlers/handler_uri.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

inline constexpr const char* exec_protocol_name = "sessionspec-handler-protocol/1";

/// Everything an `exec:` URI says.
struct ExecConfig {
  /// Run as `/bin/sh -c 'exec COMMAND'`.
  std::string command;
  /// Bound on each call, the greeting included.
  int timeout_ms = 5000;
  /// `?processes=per-request`: each request gets a child of its own (the child may also ask for
  /// it in its greeting).
  bool per_request = false;
};

/// Parses the target of an `exec:` URI: COMMAND with an optional trailing
/// `?timeout_ms=N&processes=per-request|one`.
[[nodiscard]] Result<ExecConfig> parse_exec_config(const HandlerUri& uri);

/// Byte strings as protocol strings (each byte is the code point of the same number) and back.
[[nodiscard]] nlohmann::json exec_bytes_json(const std::string& bytes);
/// The inverse; nullopt for a non-string or a code point >= 256.
[[nodiscard]] std::optional<std::string> exec_json_bytes(const nlohmann::json& j);

class ExecChild;

class ExecBackend final : public Backend {
 public:
  /// Starts the child and greets it (and gives it its context, when it asks for one); a child
  /// that does not answer the greeting, or declares a guarantee that is not one, is an error.
  static Result<std::unique_ptr<ExecBackend>> create(ExecConfig config);
  ~ExecBackend() override;
  [[nodiscard]] std::string uri() const override;
  /// The weakest guarantees, with what the child declared in its greeting over them.
  [[nodiscard]] Guarantees guarantees() const override;
  /// Every field the greeting declared, by "the handler's hello".
  [[nodiscard]] std::map<std::string, std::string> declared_by() const override;
  /// The optional methods the child announced (create_sid, validateId, updateTimestamp).
  [[nodiscard]] model::Capabilities capabilities() const override;
  /// A protocol session of the backend's child, or (one process per request) a child of its own.
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;

 private:
  /// What the child's greeting said (hello, refined by fresh).
  struct Greeting {
    std::set<std::string> methods;
    /// The declared guarantees, checked (handlers/declared_guarantees.hpp), as KEY -> VALUE.
    std::map<std::string, std::string> declared;
    /// One process per request (the greeting's "processes", or the URI's).
    bool per_request = false;
  };
  ExecBackend(ExecConfig config, std::shared_ptr<ExecChild> child, Greeting greeting,
              std::string scratch_dir, nlohmann::json context);
  std::shared_ptr<ExecChild> request_child();

  ExecConfig config_;
  std::shared_ptr<ExecChild> child_;
  Greeting greeting_;
  /// The store's directory given in `fresh` ("" when the child asks for no context); removed
  /// with the backend.
  std::string scratch_dir_;
  /// The context of `fresh` (null when the child asks for none).
  nlohmann::json context_;
  /// The live request processes (one process per request), at most children_max.
  std::vector<std::weak_ptr<ExecChild>> requests_;
  std::uint64_t next_session_ = 1;
};

}  // namespace ss::handlers
