#include "handlers/exec_handler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>

#include "base/child_process.hpp"
#include "handlers/declared_guarantees.hpp"
#include "handlers/factories.hpp"
#include "handlers/isolation.hpp"

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
/// With one process per request, at most this many request processes of one backend live at
/// once (a scenario's races have a handful of requests); a further connect() gets a handler
/// whose every call fails.
constexpr int children_max = 32;

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
  /// A call in two halves, for a caller that lets other requests run while the child waits (on
  /// a lock): send() starts it and says when it must be answered by; receive() waits for the
  /// answer until `until_ms`: nullopt when it has not come yet and this is not the `last`
  /// attempt (the call runs on), else the answer or why there is none.
  Result<std::int64_t> send(const std::string& method, json args, std::uint64_t session,
                            std::int64_t now_s);
  std::optional<Result<json>> receive(const std::string& method, std::int64_t until_ms, bool last);
  [[nodiscard]] int timeout_ms() const { return timeout_ms_; }
  /// Kills the child; every call fails with `why` (a request process that could not be
  /// started, or that crashed).
  void fail_all(std::string why) { (void)broken(std::move(why)); }
  /// Whether a call was sent and its answer not yet received.
  [[nodiscard]] bool awaiting() const { return awaiting_; }
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
  /// The call in progress (send() without its answer yet), and its deadline.
  std::uint64_t pending_id_ = 0;
  std::int64_t pending_deadline_ms_ = 0;
  bool awaiting_ = false;
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
      return "no answer within " + std::to_string(timeout_ms_) + " ms " +
             std::string(hung_handler_marker);
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
  auto sent = send(method, std::move(args), session, now_s);
  if (!sent) return sent.error();
  return *receive(method, sent.value(), true);
}

Result<std::int64_t> ExecChild::send(const std::string& method, json args, std::uint64_t session,
                                     std::int64_t now_s) {
  if (broken_) return fail(ErrorCode::connection, *broken_);
  pending_id_ = next_id_++;
  json msg = {{"v", 1}, {"id", pending_id_}, {"method", method}, {"args", std::move(args)}};
  if (session != 0) msg["session"] = session;
  // The greeting comes before any scenario: it has no virtual time.
  if (method != "hello" && method != "fresh") msg["now"] = now_s;
  pending_deadline_ms_ = base::steady_ms() + timeout_ms_;
  awaiting_ = true;
  if (!child_.write(msg.dump(-1, ' ', true) + "\n", pending_deadline_ms_)) {
    // Usually the child is already gone (EPIPE): say how it ended, if it did so promptly.
    const auto exit =
        child_.finish(std::min(pending_deadline_ms_, base::steady_ms() + exit_report_ms));
    if (!exit.killed) {
      return broken("the child " + base::describe_wait_status(exit.status) + " [" + method + "]");
    }
    return broken("cannot send " + method + " (the child is gone or not reading)");
  }
  return pending_deadline_ms_;
}

std::optional<Result<json>> ExecChild::receive(const std::string& method, std::int64_t until_ms,
                                               bool last) {
  if (broken_) return Result<json>(fail(ErrorCode::connection, *broken_));
  std::string line;
  bool have_line = false;
  awaiting_ = false;
  if (!last) {
    // Not yet: a partial line stays buffered for the next attempt. End of file or a line too
    // long is read again below, which says what it means.
    const auto got = child_.read_line(line, until_ms);
    if (got == base::ChildProcess::Read::timeout) {
      awaiting_ = true;
      return std::nullopt;
    }
    have_line = got == base::ChildProcess::Read::line;
  }
  if (!have_line) {
    if (auto why = read_line(line, until_ms)) {
      return Result<json>(broken(*why + " [" + method + "]"));
    }
  }
  json answer = json::parse(line, nullptr, false);
  if (answer.is_discarded() || !answer.is_object() ||
      answer.value("id", json()) != json(pending_id_) || !answer.contains("ok") ||
      !answer["ok"].is_boolean()) {
    return Result<json>(broken("garbled answer to " + method + ": " + line.substr(0, 200)));
  }
  if (!answer["ok"].get<bool>()) {
    const json err = answer.value("error", json("(no reason given)"));
    return Result<json>(fail(
        ErrorCode::io,
        "exec handler " + method + ": " + (err.is_string() ? err.get<std::string>() : err.dump())));
  }
  return Result<json>(answer.value("result", json()));
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

/// With one process per request, a call not answered within this long is taken to wait for
/// something another request holds (a blocking flock): the request is parked and others run.
/// Honest calls answer in milliseconds; this is far above that even on a loaded machine, so
/// which calls wait does not depend on the machine's speed.
constexpr std::int64_t blocked_after_ms = 250;

class ExecSession final : public SessionHandler {
 public:
  /// `own_process`: the child serves this request only, so a call that waits may be parked.
  ExecSession(std::shared_ptr<ExecChild> child, const std::set<std::string>& methods,
              std::uint64_t session, RequestEnv env, bool own_process)
      : child_(std::move(child)),
        methods_(methods),
        session_(session),
        env_(env),
        own_process_(own_process) {}
  // The child drops its handler instance for this session (PHP's end of request); a child of
  // this request alone then ends with it.
  ~ExecSession() override {
    // A request abandoned inside a call (the explorer dropped it) has nothing more to say.
    if (!child_->awaiting()) (void)child_->call("end", json::array(), session_, now());
  }
  // A request process of its own dies as a crashed PHP process does (its flocks go with it).
  void crash() override {
    if (own_process_) child_->fail_all("the request's process was killed (a simulated crash)");
  }

  // Each call's arguments are built before the co_await: g++ 12 cannot keep a braced list's
  // temporary array alive across a suspension ("array used as initializer").
  Task<Status> open(std::string save_path, std::string name) override {
    json args = json::array({exec_bytes_json(save_path), exec_bytes_json(name)});
    auto r = co_await call("open", std::move(args));
    co_return to_status("open", std::move(r));
  }
  Task<Status> close() override {
    auto r = co_await call("close", json::array());
    co_return to_status("close", std::move(r));
  }
  Task<Result<std::string>> read(std::string id) override {
    json args = json::array({exec_bytes_json(id)});
    auto r = co_await call("read", std::move(args));
    co_return string_result("read", std::move(r));
  }
  Task<Status> write(std::string id, std::string data) override {
    json args = json::array({exec_bytes_json(id), exec_bytes_json(data)});
    auto r = co_await call("write", std::move(args));
    co_return to_status("write", std::move(r));
  }
  Task<Status> destroy(std::string id) override {
    json args = json::array({exec_bytes_json(id)});
    auto r = co_await call("destroy", std::move(args));
    co_return to_status("destroy", std::move(r));
  }
  Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) override {
    json args = json::array({max_lifetime_s});
    auto r = co_await call("gc", std::move(args));
    if (!r) co_return r.error();
    if (r.value().is_boolean() && !r.value().get<bool>()) {
      co_return fail(ErrorCode::io, "exec handler gc returned false");
    }
    if (!r.value().is_number_integer()) co_return garbled("gc", r.value());
    co_return r.value().get<std::int64_t>();
  }
  Task<Result<std::string>> create_sid() override {
    if (!methods_.count("create_sid")) co_return missing("create_sid");
    auto r = co_await call("create_sid", json::array());
    co_return string_result("create_sid", std::move(r));
  }
  Task<Result<bool>> validate_id(std::string id) override {
    if (!methods_.count("validateId")) co_return missing("validateId");
    json args = json::array({exec_bytes_json(id)});
    auto r = co_await call("validateId", std::move(args));
    if (!r) co_return r.error();
    if (!r.value().is_boolean()) co_return garbled("validateId", r.value());
    co_return r.value().get<bool>();
  }
  Task<Status> update_timestamp(std::string id, std::string data) override {
    // What PHP does for a handler without updateTimestamp: it writes.
    const std::string method = methods_.count("updateTimestamp") ? "updateTimestamp" : "write";
    json args = json::array({exec_bytes_json(id), exec_bytes_json(data)});
    auto r = co_await call(method, std::move(args));
    co_return to_status(method, std::move(r));
  }

 private:
  std::int64_t now() const { return env_.clock ? env_.clock->now_s() : 0; }
  // `args` is always built with json::array(): a braced list holding one json value is that
  // value itself for clang (copy construction wins), an array of it for g++.
  Task<Result<json>> call(const std::string method, json args) {
    auto deadline_ms = child_->send(method, std::move(args), session_, now());
    if (!deadline_ms) co_return deadline_ms.error();
    if (!own_process_ || env_.points == nullptr) {
      co_return std::move(*child_->receive(method, deadline_ms.value(), true));
    }
    // The call's own waiting is bounded by timeout_ms, counted over the attempts: while it is
    // parked, other requests run (the lock holder among them) and that time is theirs.
    std::int64_t waited_ms = 0;
    for (int attempt = 0;; ++attempt) {
      const std::int64_t left_ms = child_->timeout_ms() - waited_ms;
      const std::int64_t t0 = base::steady_ms();
      const bool last = left_ms <= blocked_after_ms;
      auto got = child_->receive(method, t0 + std::min(left_ms, blocked_after_ms), last);
      if (got) co_return std::move(*got);
      waited_ms += base::steady_ms() - t0;
      if (!co_await env_.points->blocked("exec " + method, attempt)) {
        const std::int64_t rest_ms = std::max<std::int64_t>(0, child_->timeout_ms() - waited_ms);
        co_return std::move(*child_->receive(method, base::steady_ms() + rest_ms, true));
      }
    }
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
  bool own_process_;
};

}  // namespace

// ---- the backend ---------------------------------------------------------------------------

namespace {

/// One `key=value` of an exec: URI's trailing query (timeout_ms or processes, as exec_query()
/// found them) into `c`; the reason when the value is not one.
std::optional<std::string> exec_param(const std::string& key, const std::string& n, ExecConfig& c) {
  if (key == "timeout_ms") {
    if (n.empty() || n.size() > 7 || n.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(n) == 0) {
      return "exec: timeout_ms must be 1..9999999, got '" + n + "'";
    }
    c.timeout_ms = std::stoi(n);
    return std::nullopt;
  }
  if (n != "per-request" && n != "one") {
    return "exec: processes must be per-request or one, got '" + n + "'";
  }
  c.per_request = n == "per-request";
  return std::nullopt;
}

/// The `key=value` parts of `query` (after the '?'), or nullopt when it is not all timeout_ms=
/// and processes= parameters: then the '?' is part of the command.
std::optional<std::vector<std::pair<std::string, std::string>>> exec_query(
    const std::string& query) {
  std::vector<std::pair<std::string, std::string>> parts;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const std::size_t amp = std::min(query.find('&', pos), query.size());
    const std::string part = query.substr(pos, amp - pos);
    const std::size_t eq = part.find('=');
    const std::string key = part.substr(0, eq);
    if (eq == std::string::npos || (key != "timeout_ms" && key != "processes")) {
      return std::nullopt;
    }
    parts.emplace_back(key, part.substr(eq + 1));
    pos = amp + 1;
  }
  return parts;
}

}  // namespace

Result<ExecConfig> parse_exec_config(const HandlerUri& uri) {
  ExecConfig c;
  c.command = uri.target;
  // parse_handler_uri leaves exec targets whole (a command may hold '?'); only a trailing query
  // of timeout_ms= and processes= is ours.
  const std::size_t q = c.command.rfind('?');
  const auto parts = q == std::string::npos ? std::nullopt : exec_query(c.command.substr(q + 1));
  if (parts) {
    for (const auto& [key, value] : *parts) {
      if (auto why = exec_param(key, value, c)) return fail(ErrorCode::unsupported, *why);
    }
    c.command.resize(q);
  }
  if (c.command.find_first_not_of(" \t") == std::string::npos) {
    return fail(ErrorCode::unsupported, "exec: empty command");
  }
  return c;
}

ExecBackend::ExecBackend(ExecConfig config, std::shared_ptr<ExecChild> child, Greeting greeting,
                         std::string scratch_dir, json context)
    : config_(std::move(config)),
      child_(std::move(child)),
      greeting_(std::move(greeting)),
      scratch_dir_(std::move(scratch_dir)),
      context_(std::move(context)) {}

ExecBackend::~ExecBackend() {
  // The children first (they may hold files in the directory), then the directory.
  child_.reset();
  if (!scratch_dir_.empty()) {
    std::error_code ignored;  // A scratch directory that cannot be removed only costs disk.
    std::filesystem::remove_all(scratch_dir_, ignored);
  }
}

namespace {

/// The hello's (or fresh's) `guarantees` object as checked KEY -> VALUE text (values are
/// strings or integers, as in a PHP class's sessionspecGuarantees()); the reason for the first
/// bad one.
Result<std::map<std::string, std::string>> hello_guarantees(const json& hello,
                                                            const std::string& command) {
  std::map<std::string, std::string> out;
  if (!hello.contains("guarantees")) return out;
  const std::string head = "exec handler '" + command + "': hello guarantees: ";
  const json& g = hello["guarantees"];
  if (!g.is_object()) return fail(ErrorCode::unsupported, head + "not an object: " + g.dump());
  for (const auto& [key, v] : g.items()) {
    std::optional<std::string> text;
    if (v.is_string()) text = v.get<std::string>();
    if (v.is_number_integer()) text = std::to_string(v.get<long long>());
    const auto why =
        text ? check_guarantee(key, *text)
             : std::optional<std::string>(key + "=" + v.dump() + " is not a string or an integer");
    if (why) return fail(ErrorCode::unsupported, head + *why);
    out[key] = canonical_guarantee(key, *text);
  }
  return out;
}

/// The context `fresh` gives the child (docs/handler-protocol.md): a store location of its own.
json exec_context(const std::string& dir, const std::string& suffix) {
  const auto port = [](const char* var) -> json {
    const char* v = std::getenv(var);
    if (v == nullptr || *v == '\0' ||
        std::string(v).find_first_not_of("0123456789") != std::string::npos) {
      return nullptr;
    }
    return std::stol(v);
  };
  return {{"dir", dir},
          {"prefix", "sessionspec-" + suffix + ":"},
          {"tag", "exec-" + suffix},
          {"redis_port", port("REDIS_PORT")},
          {"memcached_port", port("MEMCACHED_PORT")}};
}

/// Greets a started child: hello, then (when it asks for it) fresh with the context `context()`
/// makes, whose `empty` says whether the store is new. What fresh answers refines what hello
/// said.
Result<json> greet(ExecChild& child, const std::string& command,
                   const std::function<Result<json>()>& context, bool empty) {
  auto hello = child.call("hello", json::array({exec_protocol_name}), 0, 0);
  if (!hello) return hello.error();
  json h = hello.value();
  if (!h.is_object() || h.value("protocol", "") != exec_protocol_name || !h.contains("methods") ||
      !h["methods"].is_array()) {
    return fail(ErrorCode::connection, "exec handler '" + command + "': the greeting is not " +
                                           exec_protocol_name + ": " + h.dump().substr(0, 200));
  }
  const auto& m = h["methods"];
  if (std::find(m.begin(), m.end(), json("fresh")) == m.end()) return h;
  auto made = context();
  if (!made) return made.error();
  json ctx = std::move(made.value());
  ctx["empty"] = empty;
  auto fresh = child.call("fresh", json::array({ctx}), 0, 0);
  if (!fresh) return fresh.error();
  if (fresh.value().is_object()) {
    for (const char* key : {"methods", "guarantees", "name", "processes"}) {
      if (fresh.value().contains(key)) h[key] = fresh.value()[key];
    }
  }
  if (!h["methods"].is_array()) {
    return fail(ErrorCode::connection,
                "exec handler '" + command + "': fresh answered methods that are not a list");
  }
  return h;
}

}  // namespace

Result<std::unique_ptr<ExecBackend>> ExecBackend::create(ExecConfig config) {
  auto child = std::make_shared<ExecChild>(config.command, config.timeout_ms);
  std::string error;
  if (!child->start(error)) return fail(ErrorCode::connection, "exec handler: " + error);
  // A new empty directory per backend, for a child that asks for a context (`fresh`).
  std::string dir;
  json context;
  const auto make_context = [&]() -> Result<json> {
    std::error_code ec;
    auto made = make_scratch_dir(std::filesystem::temp_directory_path(ec).string(),
                                 "sessionspec-exec", "exec:" + config.command);
    if (!made) return made.error();
    dir = made.value();
    context = exec_context(dir, unique_instance_suffix());
    return context;
  };
  auto greeted = greet(*child, config.command, make_context, true);
  std::error_code ec;
  // On failure the child goes first: it may be writing into the directory.
  if (!greeted) {
    child.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    return greeted.error();
  }
  const json& h = greeted.value();
  Greeting g;
  for (const auto& m : h["methods"]) {
    if (m.is_string()) g.methods.insert(m.get<std::string>());
  }
  auto made = [&]() -> Result<std::monostate> {
    for (const char* required : {"open", "close", "read", "write", "destroy", "gc"}) {
      if (!g.methods.count(required)) {
        return fail(ErrorCode::unsupported,
                    "exec handler '" + config.command + "' does not implement " + required);
      }
    }
    auto declared = hello_guarantees(h, config.command);
    if (!declared) return declared.error();
    g.declared = std::move(declared.value());
    g.per_request = config.per_request || h.value("processes", json()) == json("per-request");
    return std::monostate{};
  }();
  if (!made) {
    child.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    return made.error();
  }
  return std::unique_ptr<ExecBackend>(
      new ExecBackend(std::move(config), std::move(child), std::move(g), dir, std::move(context)));
}

std::string ExecBackend::uri() const {
  return "exec:" + config_.command;
}

Guarantees ExecBackend::guarantees() const {
  // What the handler did not declare in its hello is assumed the weakest. Its id policy is its
  // own: PHP hands a user handler any id, and keeping or refusing odd ones both conform.
  Guarantees g;
  g.store.ids = model::IdPolicy::undeclared;
  return apply_declared(g, greeting_.declared);
}

std::map<std::string, std::string> ExecBackend::declared_by() const {
  std::map<std::string, std::string> out;
  for (const auto& entry : greeting_.declared) out[entry.first] = "the handler's hello";
  return out;
}

model::Capabilities ExecBackend::capabilities() const {
  const auto& m = greeting_.methods;
  return {m.count("create_sid") > 0, m.count("validateId") > 0, m.count("updateTimestamp") > 0};
}

std::unique_ptr<SessionHandler> ExecBackend::connect(RequestEnv env) {
  if (!greeting_.per_request) {
    return std::make_unique<ExecSession>(child_, greeting_.methods, next_session_++, env, false);
  }
  return std::make_unique<ExecSession>(request_child(), greeting_.methods, 1, env, true);
}

// A request process: started and greeted like the backend's first child, with the same context
// (the store is not new). One that cannot be had fails every call with the reason.
std::shared_ptr<ExecChild> ExecBackend::request_child() {
  auto child = std::make_shared<ExecChild>(config_.command, config_.timeout_ms);
  std::erase_if(requests_, [](const std::weak_ptr<ExecChild>& c) { return c.expired(); });
  if (requests_.size() >= static_cast<std::size_t>(children_max)) {
    child->fail_all("more than children_max=" + std::to_string(children_max) +
                    " request processes at once");
    return child;
  }
  std::string error;
  if (!child->start(error)) {
    child->fail_all("cannot start a request process: " + error);
    return child;
  }
  requests_.push_back(child);
  auto greeted = greet(
      *child, config_.command, [this]() -> Result<json> { return context_; }, false);
  if (!greeted) child->fail_all("a request process: " + greeted.error().reason);
  return child;
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
