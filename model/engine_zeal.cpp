// ZealPHP's coroutine session engine (CoSessionManager + src/Session/utils.php at d99aebb), run
// sequentially. See shared docs/zealphp-semantics.md: no lock across the request, read at start,
// read-merge-write at close, close() never called, 64-hex ids on regenerate, its Set-Cookie rules.
// Concurrency is added by the explorer, which interleaves these same procedures.

#include <string>

#include "model/detail/engine_common.hpp"

namespace ss::model {
namespace {

/// ZealPHP retries a failed write this many times, then drops the data silently.
inline constexpr int zeal_write_tries_max = 3;

class ZealEngine final : public Engine {
 public:
  ZealEngine(RequestContext ctx, Rng& rng) : ctx_(std::move(ctx)), rng_(rng) {}

  Proc<Outcome> begin_request() override;
  Proc<Outcome> script(const ScriptCall& call) override;
  Proc<Outcome> end_request() override;

  // `$g->session = []` happens before the script runs, so session_status() is always ACTIVE.
  Status status() const override { return Status::active; }
  std::string session_id() const override { return id_; }
  const std::optional<Array>& session() const override { return vars_; }
  std::vector<std::string> set_cookies() const override { return cookies_; }
  void set_session(std::optional<Array> s) override { vars_ = s ? std::move(s) : Array{}; }

 private:
  Proc<bool> load(Outcome& out, bool strict);
  Proc<Outcome> start(const ScriptCall& call);
  Proc<Outcome> write_close();
  Proc<Outcome> regenerate(bool delete_old);
  Proc<Outcome> destroy();
  std::string encode(const Array& a) const;
  std::string regenerate_id();

  RequestContext ctx_;
  Rng& rng_;
  std::string id_;
  bool started_ = false;
  bool cookie_sent_ = false;
  std::optional<Array> vars_ = Array{};
  std::vector<Key> loaded_keys_;
  std::vector<std::string> cookies_;
};

// The encoder neither escapes '|' nor skips numeric keys (utils.php), unlike PHP's.
std::string ZealEngine::encode(const Array& a) const {
  if (ctx_.options.serialize_handler == Serializer::php_serialize) return serialize(Value{a});
  std::string out;
  for (const auto& e : a.items) {
    if (const auto* i = std::get_if<std::int64_t>(&e.key)) {
      out += std::to_string(*i);
    } else {
      out += std::get<std::string>(e.key);
    }
    out += '|';
    out += serialize(e.value);
  }
  return out;
}

std::string ZealEngine::regenerate_id() {
  static constexpr std::string_view hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 64; ++i) id += hex[rng_.next() & 15];
  return id;
}

// Reads the session into $_SESSION and remembers the loaded keys for the close-time merge.
// Strict mode (ZealPHP's default) rotates an id whose entry does not exist ("" read).
Proc<bool> ZealEngine::load(Outcome& out, bool strict) {
  Answer r = co_await ask(Method::read, id_);
  std::string data = r.kind == Answer::Kind::string ? r.s : std::string();
  if (data.empty() && strict) {
    id_ = php_made_id(rng_, ctx_.options.sid_length, ctx_.options.sid_bits_per_character);
    cookies_.push_back(id_);
  }
  auto decoded = decode_session(data, ctx_.options.serialize_handler);
  if (std::holds_alternative<DecodeError>(decoded)) {
    warn(out, "session_start(): ZealPHP could not decode the session; starting empty");
    vars_ = Array{};
  } else {
    vars_ = std::move(std::get<Array>(decoded));
  }
  loaded_keys_.clear();
  for (const auto& e : vars_->items) loaded_keys_.push_back(e.key);
  started_ = true;
  co_return true;
}

// CoSessionManager: a returning visitor's session starts before the script, with a refreshed
// cookie on every such request.
Proc<Outcome> ZealEngine::begin_request() {
  Outcome out;
  if (!ctx_.cookie || !ctx_.options.use_cookies) co_return out;
  id_ = *ctx_.cookie;
  cookies_.push_back(id_);
  cookie_sent_ = true;
  co_await load(out, ctx_.options.use_strict_mode);
  co_return out;
}

// session_start(['use_strict_mode' => 0]) is how the WebSocket-open path behaves: a full
// read-merge-write writer with no strict check.
Proc<Outcome> ZealEngine::start(const ScriptCall& call) {
  Outcome out;
  // A second start re-reads and replaces the session (coroutine and mixed modes, R3).
  if (!started_ && id_.empty()) {
    id_ = php_made_id(rng_, ctx_.options.sid_length, ctx_.options.sid_bits_per_character);
  }
  bool strict = ctx_.options.use_strict_mode;
  if (auto it = call.options.find("use_strict_mode"); it != call.options.end()) {
    strict = it->second == "1";
  }
  co_await load(out, strict);
  if (!cookie_sent_ && ctx_.options.use_cookies) {
    cookies_.push_back(id_);
    cookie_sent_ = true;
  }
  out.result = true;
  co_return out;
}

// zeal_session_write_close(): read, shallow 2-way merge, write; up to 3 tries, then silence.
Proc<Outcome> ZealEngine::write_close() {
  Outcome out;
  out.result = true;
  if (!started_) co_return out;
  for (int tries = 0; tries < zeal_write_tries_max; ++tries) {
    Answer r = co_await ask(Method::read, id_);
    Array stored;
    if (r.kind == Answer::Kind::string) {
      auto d = decode_session(r.s, ctx_.options.serialize_handler);
      if (auto* a = std::get_if<Array>(&d)) stored = std::move(*a);
    }
    Array merged = zeal_merge(stored, *vars_, loaded_keys_);
    Answer w = co_await ask(Method::write, id_, encode(merged));
    if (w.ok()) break;
  }
  started_ = false;
  loaded_keys_.clear();
  co_return out;
}

Proc<Outcome> ZealEngine::regenerate(bool delete_old) {
  Outcome out;
  const std::string old = id_;
  id_ = regenerate_id();
  if (started_) co_await ask(Method::write, id_, encode(*vars_));
  if (delete_old && !old.empty()) co_await ask(Method::destroy, old);
  if (ctx_.options.use_cookies) cookies_.push_back(id_);
  out.result = true;
  co_return out;
}

Proc<Outcome> ZealEngine::destroy() {
  Outcome out;
  if (!id_.empty()) co_await ask(Method::destroy, id_);
  vars_ = Array{};
  started_ = false;
  loaded_keys_.clear();
  out.result = true;
  co_return out;
}

Proc<Outcome> ZealEngine::script(const ScriptCall& call) {
  switch (call.op) {
    case Op::session_start: co_return co_await start(call);
    case Op::session_write_close:
    case Op::session_commit: co_return co_await write_close();
    case Op::session_regenerate_id: co_return co_await regenerate(call.flag);
    case Op::session_destroy: co_return co_await destroy();
    case Op::session_reset: {
      Outcome out;
      if (started_) co_await load(out, ctx_.options.use_strict_mode);
      out.result = started_;
      co_return out;
    }
    case Op::session_abort: {
      started_ = false;
      Outcome out;
      out.result = true;
      co_return out;
    }
    case Op::session_id: {
      Outcome out;
      out.result = id_;
      if (call.text) id_ = *call.text;
      co_return out;
    }
    case Op::session_gc: {
      Outcome out;
      Answer a = co_await ask(Method::gc, std::to_string(ctx_.options.gc_maxlifetime));
      out.result = a.kind == Answer::Kind::integer ? Value{a.n} : Value{false};
      co_return out;
    }
    case Op::session_create_id: {
      Outcome out;
      out.result = call.text.value_or("") +
                   php_made_id(rng_, ctx_.options.sid_length, ctx_.options.sid_bits_per_character);
      co_return out;
    }
    default: co_return apply_array_op(call, true, vars_);
  }
}

// The manager's `finally`: write_close if started. close() is never called.
Proc<Outcome> ZealEngine::end_request() {
  if (started_) co_return co_await write_close();
  co_return Outcome{};
}

}  // namespace

Array zeal_merge(const Array& stored, const Array& mine, const std::vector<Key>& loaded) {
  // array_merge(stored, mine): string keys from `mine` overwrite in place, integer keys are
  // renumbered and appended (R2); then keys loaded at start and now absent are deleted.
  Array out;
  auto append = [&out](const Entry& e) {
    if (std::holds_alternative<std::int64_t>(e.key)) {
      out.push(e.value);
    } else {
      out.set(e.key, e.value);
    }
  };
  for (const auto& e : stored.items) append(e);
  for (const auto& e : mine.items) append(e);
  for (const auto& k : loaded) {
    if (mine.find(k) == nullptr) out.erase(k);
  }
  return out;
}

std::unique_ptr<Engine> make_zeal_engine(RequestContext ctx, Rng& rng) {
  return std::make_unique<ZealEngine>(std::move(ctx), rng);
}

}  // namespace ss::model
