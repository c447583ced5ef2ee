#include "handlers/exec_handler.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "base/child_process.hpp"
#include "handlers/factories.hpp"

namespace ss::handlers {

using nlohmann::json;

namespace {

/// An answer line longer than this is garbage (session payloads are at most 16 MiB, and each
/// byte takes at most 6 characters in JSON).
constexpr std::size_t answer_bytes_max = 128 * 1024 * 1024;
/// After its stdin closes, a child gets this long to exit by itself before it is killed.
constexpr std::chrono::milliseconds exit_grace{500};
/// After a failed write, how long the child gets to show how it ended (its exit status).
constexpr std::int64_t exit_report_ms = 200;

}  // namespace

json exec_bytes_json(const std::string& bytes) {
  std::string utf8;
  utf8.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      utf8 += static_cast<char>(c);
    } else {
      utf8 += static_cast<char>(0xC0 | (c >> 6));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return utf8;
}

std::optional<std::string> exec_json_bytes(const json& j) {
  if (!j.is_string()) return std::nullopt;
  const auto& s = j.get_ref<const std::string&>();
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) {
      out += static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3F));
    } else {
      return std::nullopt;  // a code point >= 256: not a byte
    }
  }
  return out;
}

// ---- the child process ---------------------------------------------------------------------

/// The child and its two pipes (base::ChildProcess). Calls are lock-step: one message, one answer.
/// Once anything went wrong the child is killed and `broken_` says why; every later call fails
/// with that reason.
class ExecChild {
 public:
  ExecChild(std::string command, int timeout_ms)
      : command_(std::move(command)), timeout_ms_(timeout_ms) {}
  ~ExecChild() { shut_down(); }
  ExecChild(const ExecChild&) = delete;
  ExecChild& operator=(const ExecChild&) = delete;

  /// Starts `/bin/sh -c 'exec COMMAND'` (the URI's command is a shell command line by contract)
  /// in its own process group.
  bool start(std::string& error);
  /// One request/answer: the `result` of an ok answer, or a HandlerError.
  Result<json> call(const std::string& method, json args, std::uint64_t session,
                    std::int64_t now_s);
  [[nodiscard]] const std::string& command() const { return command_; }

 private:
  HandlerError broken(std::string why);
  /// Reads one answer line before `deadline_ms`; on failure returns a reason.
  std::optional<std::string> read_line(std::string& line, std::int64_t deadline_ms);
  void shut_down();

  std::string command_;
  int timeout_ms_;
  base::ChildProcess child_;
  std::uint64_t next_id_ = 0;
  std::optional<std::string> broken_;
};

bool ExecChild::start(std::string& error) {
  base::SpawnOptions options;
  options.line_bytes_max = answer_bytes_max;
  return child_.start({"/bin/sh", "-c", "exec " + command_}, options, error);
}

void ExecChild::shut_down() {
  // End of file first: a well-behaved child cleans up and exits; the rest of its group goes too.
  child_.close_stdin();
  (void)child_.finish(base::steady_ms() + exit_grace.count());
}

HandlerError ExecChild::broken(std::string why) {
  broken_ = "exec handler '" + command_ + "': " + why;
  child_.kill();
  return fail(ErrorCode::connection, *broken_);
}

std::optional<std::string> ExecChild::read_line(std::string& line, std::int64_t deadline_ms) {
  switch (child_.read_line(line, deadline_ms)) {
    case base::ChildProcess::Read::line: return std::nullopt;
    case base::ChildProcess::Read::too_long: return "an answer line longer than 128 MiB";
    case base::ChildProcess::Read::timeout:
      return "no answer within " + std::to_string(timeout_ms_) + " ms (hung?)";
    case base::ChildProcess::Read::eof: break;
  }
  // End of file: the child exited, or closed its stdout and runs on. Either way its exit is
  // awaited only until the call's deadline.
  const base::ChildProcess::Exit exit = child_.finish(deadline_ms);
  if (exit.killed) {
    return "the child closed its stdout without answering and was still running after " +
           std::to_string(timeout_ms_) + " ms (killed)";
  }
  return "the child " + base::describe_wait_status(exit.status) + " without answering";
}

Result<json> ExecChild::call(const std::string& method, json args, std::uint64_t session,
                             std::int64_t now_s) {
  if (broken_) return fail(ErrorCode::connection, *broken_);
  const std::uint64_t id = next_id_++;
  json msg = {{"v", 1}, {"id", id}, {"method", method}, {"args", std::move(args)}};
  if (session != 0) msg["session"] = session;
  if (method != "hello") msg["now"] = now_s;
  const std::int64_t deadline = base::steady_ms() + timeout_ms_;
  if (!child_.write(msg.dump(-1, ' ', true) + "\n", deadline)) {
    // Usually the child is already gone (EPIPE): say how it ended, if it did so promptly.
    const auto exit = child_.finish(std::min(deadline, base::steady_ms() + exit_report_ms));
    if (!exit.killed) {
      return broken("the child " + base::describe_wait_status(exit.status) + " [" + method + "]");
    }
    return broken("cannot send " + method + " (the child is gone or not reading)");
  }
  std::string line;
  if (auto why = read_line(line, deadline)) return broken(*why + " [" + method + "]");
  json answer = json::parse(line, nullptr, false);
  if (answer.is_discarded() || !answer.is_object() || answer.value("id", json()) != json(id) ||
      !answer.contains("ok") || !answer["ok"].is_boolean()) {
    return broken("garbled answer to " + method + ": " + line.substr(0, 200));
  }
  if (!answer["ok"].get<bool>()) {
    const json err = answer.value("error", json("(no reason given)"));
    return fail(ErrorCode::io, "exec handler " + method + ": " +
                                   (err.is_string() ? err.get<std::string>() : err.dump()));
  }
  return answer.value("result", json());
}

// ---- one request's handler -----------------------------------------------------------------

namespace {

HandlerError garbled(const std::string& method, const json& got) {
  return fail(ErrorCode::connection,
              "exec handler " + method + ": the answer has the wrong type: " + got.dump());
}

/// bool methods: true succeeds, false is a failure PHP sees as false.
Status to_status(const std::string& method, Result<json> r) {
  if (!r) return r.error();
  if (!r.value().is_boolean()) return garbled(method, r.value());
  if (!r.value().get<bool>()) {
    return fail(ErrorCode::io, "exec handler " + method + " returned false");
  }
  return ok_status();
}

class ExecSession final : public SessionHandler {
 public:
  ExecSession(std::shared_ptr<ExecChild> child, const std::set<std::string>& methods,
              std::uint64_t session, RequestEnv env)
      : child_(std::move(child)), methods_(methods), session_(session), env_(env) {}
  // The child drops its handler instance for this session (PHP's end of request).
  ~ExecSession() override { (void)child_->call("end", json::array(), session_, now()); }

  Task<Status> open(std::string save_path, std::string name) override {
    co_return to_status(
        "open", call("open", json::array({exec_bytes_json(save_path), exec_bytes_json(name)})));
  }
  Task<Status> close() override { co_return to_status("close", call("close", json::array())); }
  Task<Result<std::string>> read(std::string id) override {
    co_return string_result("read", call("read", json::array({exec_bytes_json(id)})));
  }
  Task<Status> write(std::string id, std::string data) override {
    co_return to_status("write",
                        call("write", json::array({exec_bytes_json(id), exec_bytes_json(data)})));
  }
  Task<Status> destroy(std::string id) override {
    co_return to_status("destroy", call("destroy", json::array({exec_bytes_json(id)})));
  }
  Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) override {
    auto r = call("gc", json::array({max_lifetime_s}));
    if (!r) co_return r.error();
    if (r.value().is_boolean() && !r.value().get<bool>()) {
      co_return fail(ErrorCode::io, "exec handler gc returned false");
    }
    if (!r.value().is_number_integer()) co_return garbled("gc", r.value());
    co_return r.value().get<std::int64_t>();
  }
  Task<Result<std::string>> create_sid() override {
    if (!methods_.count("create_sid")) co_return missing("create_sid");
    co_return string_result("create_sid", call("create_sid", json::array()));
  }
  Task<Result<bool>> validate_id(std::string id) override {
    if (!methods_.count("validateId")) co_return missing("validateId");
    auto r = call("validateId", json::array({exec_bytes_json(id)}));
    if (!r) co_return r.error();
    if (!r.value().is_boolean()) co_return garbled("validateId", r.value());
    co_return r.value().get<bool>();
  }
  Task<Status> update_timestamp(std::string id, std::string data) override {
    // What PHP does for a handler without updateTimestamp: it writes.
    const char* method = methods_.count("updateTimestamp") ? "updateTimestamp" : "write";
    co_return to_status(method,
                        call(method, json::array({exec_bytes_json(id), exec_bytes_json(data)})));
  }

 private:
  std::int64_t now() const { return env_.clock ? env_.clock->now_s() : 0; }
  // `args` is always built with json::array(): a braced list holding one json value is that
  // value itself for clang (copy construction wins), an array of it for g++.
  Result<json> call(const std::string& method, json args) {
    return child_->call(method, std::move(args), session_, now());
  }
  static HandlerError missing(const std::string& method) {
    return fail(ErrorCode::unsupported,
                "exec handler does not implement " + method + " (run with --variant basic)");
  }
  static Result<std::string> string_result(const std::string& method, Result<json> r) {
    if (!r) return r.error();
    if (r.value().is_boolean() && !r.value().get<bool>()) {
      return fail(ErrorCode::io, "exec handler " + method + " returned false");
    }
    auto bytes = exec_json_bytes(r.value());
    if (!bytes) return garbled(method, r.value());
    return *bytes;
  }

  std::shared_ptr<ExecChild> child_;
  std::set<std::string> methods_;
  std::uint64_t session_;
  RequestEnv env_;
};

}  // namespace

// ---- the backend ---------------------------------------------------------------------------

Result<ExecConfig> parse_exec_config(const HandlerUri& uri) {
  ExecConfig c;
  c.command = uri.target;
  // parse_handler_uri leaves exec targets whole (a command may hold '?'); only a trailing
  // "?timeout_ms=N" is ours.
  const std::string key = "?timeout_ms=";
  const std::size_t q = c.command.rfind(key);
  if (q != std::string::npos) {
    const std::string n = c.command.substr(q + key.size());
    if (n.empty() || n.size() > 7 || n.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(n) == 0) {
      return fail(ErrorCode::unsupported, "exec: timeout_ms must be 1..9999999, got '" + n + "'");
    }
    c.timeout_ms = std::stoi(n);
    c.command.resize(q);
  }
  if (c.command.find_first_not_of(" \t") == std::string::npos) {
    return fail(ErrorCode::unsupported, "exec: empty command");
  }
  return c;
}

ExecBackend::ExecBackend(ExecConfig config, std::shared_ptr<ExecChild> child,
                         std::set<std::string> methods)
    : config_(std::move(config)), child_(std::move(child)), methods_(std::move(methods)) {}

ExecBackend::~ExecBackend() = default;

Result<std::unique_ptr<ExecBackend>> ExecBackend::create(ExecConfig config) {
  auto child = std::make_shared<ExecChild>(config.command, config.timeout_ms);
  std::string error;
  if (!child->start(error)) return fail(ErrorCode::connection, "exec handler: " + error);
  auto hello = child->call("hello", json::array({exec_protocol_name}), 0, 0);
  if (!hello) return hello.error();
  const json& h = hello.value();
  if (!h.is_object() || h.value("protocol", "") != exec_protocol_name || !h.contains("methods") ||
      !h["methods"].is_array()) {
    return fail(ErrorCode::connection, "exec handler '" + config.command +
                                           "': the greeting is not " + exec_protocol_name + ": " +
                                           h.dump().substr(0, 200));
  }
  std::set<std::string> methods;
  for (const auto& m : h["methods"]) {
    if (m.is_string()) methods.insert(m.get<std::string>());
  }
  for (const char* required : {"open", "close", "read", "write", "destroy", "gc"}) {
    if (!methods.count(required)) {
      return fail(ErrorCode::unsupported,
                  "exec handler '" + config.command + "' does not implement " + required);
    }
  }
  return std::unique_ptr<ExecBackend>(
      new ExecBackend(std::move(config), std::move(child), std::move(methods)));
}

std::string ExecBackend::uri() const {
  return "exec:" + config_.command;
}

Guarantees ExecBackend::guarantees() const {
  // Nothing is known about an external handler's concurrency: assume the weakest. Its id policy
  // is its own: PHP hands a user handler any id, and keeping or refusing odd ones both conform.
  Guarantees g;
  g.store.ids = model::IdPolicy::undeclared;
  return g;
}

model::Capabilities ExecBackend::capabilities() const {
  return {methods_.count("create_sid") > 0, methods_.count("validateId") > 0,
          methods_.count("updateTimestamp") > 0};
}

std::unique_ptr<SessionHandler> ExecBackend::connect(RequestEnv env) {
  return std::make_unique<ExecSession>(child_, methods_, next_session_++, env);
}

// ---- the registry's view ------------------------------------------------------------------

BackendKind exec_kind() {
  BackendKind kind;
  kind.scheme = "exec";
  kind.check = [](const HandlerUri& uri) -> Status {
    auto config = parse_exec_config(uri);
    if (!config) return config.error();
    return ok_status();
  };
  kind.make = [](const HandlerUri& uri, std::uint64_t, Clock&) -> Result<std::unique_ptr<Backend>> {
    auto config = parse_exec_config(uri);
    if (!config) return config.error();
    auto made = ExecBackend::create(std::move(config.value()));
    if (!made) return made.error();
    return std::unique_ptr<Backend>(std::move(made.value()));
  };
  // Every backend starts a child of its own: fresh by construction (what the child stores
  // elsewhere is the handler's business).
  return kind;
}

}  // namespace ss::handlers
