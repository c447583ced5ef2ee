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
};

/// Parses the target of an `exec:` URI: COMMAND with an optional trailing `?timeout_ms=N`.
[[nodiscard]] Result<ExecConfig> parse_exec_config(const HandlerUri& uri);

/// Byte strings as protocol strings (each byte is the code point of the same number) and back.
[[nodiscard]] nlohmann::json exec_bytes_json(const std::string& bytes);
/// The inverse; nullopt for a non-string or a code point >= 256.
[[nodiscard]] std::optional<std::string> exec_json_bytes(const nlohmann::json& j);

class ExecChild;

class ExecBackend final : public Backend {
 public:
  /// Starts the child and greets it; a child that does not answer the greeting is an error.
  static Result<std::unique_ptr<ExecBackend>> create(ExecConfig config);
  ~ExecBackend() override;
  [[nodiscard]] std::string uri() const override;
  [[nodiscard]] Guarantees guarantees() const override;
  /// The optional methods the child announced (create_sid, validateId, updateTimestamp).
  [[nodiscard]] model::Capabilities capabilities() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;

 private:
  ExecBackend(ExecConfig config, std::shared_ptr<ExecChild> child, std::set<std::string> methods);
  ExecConfig config_;
  std::shared_ptr<ExecChild> child_;
  std::set<std::string> methods_;
  std::uint64_t next_session_ = 1;
};

}  // namespace ss::handlers
