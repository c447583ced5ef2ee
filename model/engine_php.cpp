// The PHP session module as a user save handler sees it: PHP 8.2 (ext/session of 8.2.36) and the
// legacy PHP 5.x behaviour the gist recorded. One class, because the legacy profile differs from
// 8.2 in a handful of decisions (each marked `legacy_`), not in structure.

#include <string>

#include "model/detail/engine_common.hpp"

namespace ss::model {
namespace {

class PhpEngine final : public Engine {
 public:
  PhpEngine(RequestContext ctx, Rng& rng, bool legacy)
      : ctx_(std::move(ctx)), opts_(ctx_.options), caps_(capabilities_of(ctx_.variant)),
        rng_(rng), legacy_(legacy) {}

  Proc<Outcome> begin_request() override { co_return Outcome{}; }
  Proc<Outcome> script(const ScriptCall& call) override;
  Proc<Outcome> end_request() override;

  Status status() const override { return active_ ? Status::active : Status::none; }
  std::string session_id() const override { return id_; }
  const std::optional<Array>& session() const override { return vars_; }
  void set_session(std::optional<Array> s) override { vars_ = std::move(s); }
  std::vector<std::string> set_cookies() const override {
    if (!cookie_out_) return {};
    return {*cookie_out_};
  }

 private:
  // Handler call helpers: a pending exception suppresses every later handler call (PHP counts
  // the skipped call as a failure).
  template <class... S>
  Proc<Answer> call(Method m, S&&... args) {
    std::vector<std::string> v;
    (v.emplace_back(std::forward<S>(args)), ...);
    return call_v(m, std::move(v));
  }
  Proc<Answer> call_v(Method m, std::vector<std::string> args);
  void absorb_exception(const Answer& a);

  Proc<Outcome> start(const ScriptCall& call);
  Proc<bool> initialize(Outcome& out);
  Proc<bool> choose_id(Outcome& out);
  Proc<bool> read_and_decode(Outcome& out);
  Proc<Outcome> write_close(std::string_view function);
  Proc<bool> save_state(Outcome& out, std::string_view function);
  Proc<bool> close_handler();
  Proc<Outcome> regenerate(bool delete_old);
  Proc<Outcome> regenerate_legacy(bool delete_old);
  Proc<bool> regenerate_new_id(Outcome& out);
  Proc<Outcome> reset();
  Proc<Outcome> destroy();
  Proc<Outcome> abort();
  Proc<Outcome> gc();
  Proc<Outcome> create_id(const ScriptCall& call);
  Proc<std::optional<std::string>> new_id(Outcome& out);
  Outcome set_id(const ScriptCall& call);
  Outcome finish(Outcome out);
  void send_cookie() {
    if (opts_.use_cookies) cookie_out_ = id_;
  }
  [[nodiscard]] std::string path() const { return opts_.save_path; }

  RequestContext ctx_;
  RunOptions opts_;
  Capabilities caps_;
  Rng& rng_;
  bool legacy_;

  bool active_ = false;
  bool handler_open_ = false;
  std::string id_;
  std::optional<Array> vars_;
  std::optional<std::string> lazy_snapshot_;
  std::optional<std::string> pending_exception_;
  std::optional<std::string> cookie_out_;
};

Proc<Answer> PhpEngine::call_v(Method m, std::vector<std::string> args) {
  if (pending_exception_) co_return Answer::failure_("skipped: exception pending");
  // Built as a named local: g++ 12 copies aggregate temporaries inside co_await bitwise.
  HandlerCall c;
  c.method = m;
  c.args = std::move(args);
  Answer a = co_await ask_call(std::move(c));
  absorb_exception(a);
  co_return a;
}

void PhpEngine::absorb_exception(const Answer& a) {
  if (a.kind == Answer::Kind::exception) pending_exception_ = a.reason;
}

// A script call that left an exception pending throws it.
Outcome PhpEngine::finish(Outcome out) {
  if (pending_exception_) {
    out.thrown = std::exchange(pending_exception_, std::nullopt);
  }
  return out;
}

Proc<Outcome> PhpEngine::script(const ScriptCall& call) {
  switch (call.op) {
    case Op::session_start: co_return co_await start(call);
    case Op::session_write_close:
    case Op::session_commit: co_return co_await write_close(op_name(call.op));
    case Op::session_regenerate_id:
      if (legacy_) co_return co_await regenerate_legacy(call.flag);
      co_return co_await regenerate(call.flag);
    case Op::session_reset: co_return co_await reset();
    case Op::session_id: co_return set_id(call);
    case Op::session_destroy: co_return co_await destroy();
    case Op::session_abort: co_return co_await abort();
    case Op::session_gc: co_return co_await gc();
    case Op::session_create_id: co_return co_await create_id(call);
    default: co_return apply_array_op(call, active_, vars_);
  }
}

Proc<Outcome> PhpEngine::start(const ScriptCall& call) {
  Outcome out;
  if (active_) {
    out.result = true;
    notice(out, "session_start(): Ignoring session_start() because a session is already active");
    co_return out;
  }
  // session_start() options are ini_set()s: they stay for the rest of the request, except
  // read_and_close, which only this start sees.
  const bool read_and_close_default = opts_.read_and_close;
  if (auto err = apply_start_options(opts_, call.options)) {
    warn(out, "session_start(): " + *err);
    out.result = false;
    co_return out;
  }
  const bool read_and_close = opts_.read_and_close;
  opts_.read_and_close = read_and_close_default;
  const bool ok = co_await initialize(out);
  if (ok && read_and_close) {
    co_await close_handler();
    active_ = false;
  }
  out.result = ok;
  co_return finish(std::move(out));
}

// php_session_initialize(): open, choose or validate the id, read, gc, decode.
Proc<bool> PhpEngine::initialize(Outcome& out) {
  Answer opened = co_await call(Method::open, opts_.save_path, opts_.name);
  handler_open_ = true;  // mod_user sets this whatever open() returned.
  if (!opened.ok()) {
    if (!pending_exception_) {
      warn(out, "session_start(): Failed to initialize storage module: user (path: " + path() + ")");
    }
    co_await close_handler();
    vars_.reset();
    co_return false;
  }
  if (!co_await choose_id(out)) co_return false;
  co_return co_await read_and_decode(out);
}

// Picks the id: the one set by session_id(), else the cookie, else a new one; strict mode asks
// validateId and replaces an unknown id.
Proc<bool> PhpEngine::choose_id(Outcome& out) {
  // An id that could split headers is dropped before any handler call, whatever its source; a
  // dropped session_id() value does not fall back to the cookie (PHP makes a new id).
  const bool dropped = !id_.empty() && !cookie_id_acceptable(id_);
  if (dropped) id_.clear();
  if (id_.empty() && !dropped && opts_.use_cookies && ctx_.cookie &&
      cookie_id_acceptable(*ctx_.cookie)) {
    id_ = *ctx_.cookie;
  }
  bool fresh = id_.empty();
  if (!fresh && opts_.use_strict_mode && caps_.validate_id && !legacy_) {
    Answer v = co_await call(Method::validate_id, id_);
    if (v.kind == Answer::Kind::exception) {
      pending_exception_ = "Error: Session id must be a string";
      co_return false;
    }
    fresh = !(v.kind == Answer::Kind::boolean && v.b);
  }
  if (fresh) {
    auto made = co_await new_id(out);
    if (!made) co_return false;
    id_ = *made;
  }
  if (fresh || !ctx_.cookie || *ctx_.cookie != id_) send_cookie();
  co_return true;
}

// create_sid() when the handler has it, else an id PHP makes itself.
Proc<std::optional<std::string>> PhpEngine::new_id(Outcome&) {
  if (!caps_.create_sid) {
    co_return php_made_id(rng_, opts_.sid_length, opts_.sid_bits_per_character);
  }
  Answer a = co_await call(Method::create_sid);
  if (a.kind != Answer::Kind::string) {
    if (!pending_exception_ || a.kind == Answer::Kind::exception) {
      pending_exception_ = "Error: Session id must be a string";
    }
    co_return std::nullopt;
  }
  co_return a.s;
}

Proc<bool> PhpEngine::read_and_decode(Outcome& out) {
  Answer r = co_await call(Method::read, id_);
  if (r.kind != Answer::Kind::string) {
    if (!pending_exception_ && ctx_.variant == Variant::sessionhandler && !valid_session_id(id_)) {
      // SessionHandler::read() proxies the files module, which rejects the id with its own warning.
      warn(out, "SessionHandler::read(): Session ID is too long or contains illegal characters. "
                "Only the A-Z, a-z, 0-9, \"-\", and \",\" characters are allowed");
    }
    if (!pending_exception_) {
      warn(out, "session_start(): Failed to read session data: user (path: " + path() + ")");
    }
    co_await close_handler();
    // As after a decode failure, PHP clears the id and leaves an empty $_SESSION.
    id_.clear();
    vars_ = Array{};
    co_return false;
  }
  if (!legacy_ && gc_hits(rng_, opts_)) {
    co_await call(Method::gc, std::to_string(opts_.gc_maxlifetime));
  }
  auto decoded = decode_session(r.s, opts_.serialize_handler);
  if (auto* err = std::get_if<DecodeError>(&decoded)) {
    (void)err;
    co_await call(Method::destroy, id_);
    co_await close_handler();
    // php_session_destroy() frees the id; $_SESSION is left as the empty array decoding began.
    id_.clear();
    vars_ = Array{};
    warn(out, "session_start(): Failed to decode session object. Session has been destroyed");
    co_return false;
  }
  vars_ = std::move(std::get<Array>(decoded));
  lazy_snapshot_.reset();
  if (opts_.lazy_write) lazy_snapshot_ = r.s;
  active_ = true;
  co_return true;
}

Proc<bool> PhpEngine::close_handler() {
  if (!handler_open_) co_return true;
  handler_open_ = false;  // Cleared even when a pending exception skips the call.
  Answer a = co_await call(Method::close);
  co_return a.ok();
}

Proc<Outcome> PhpEngine::write_close(std::string_view function) {
  Outcome out;
  if (!active_) {
    out.result = false;
    co_return out;
  }
  co_await save_state(out, function);
  co_await close_handler();
  active_ = false;
  out.result = true;  // PHP returns true even when write() failed.
  co_return finish(std::move(out));
}

// php_session_save_current_state(): updateTimestamp when lazy and unchanged, else write.
// `function` is what PHP attributes the warnings to: the script function, or session_write_close
// for the shutdown write (PHP registers session_write_close as a shutdown function).
Proc<bool> PhpEngine::save_state(Outcome& out, std::string_view function) {
  EncodeResult enc = encode_for_write(out, *vars_, opts_.serialize_handler, function);
  const bool lazy = !legacy_ && opts_.lazy_write && lazy_snapshot_ && !enc.bytes.empty() &&
                    enc.bytes == *lazy_snapshot_;
  Answer a;
  std::string method = "write";
  if (lazy) {
    method = "updateTimestamp";
    const Method m = caps_.update_timestamp ? Method::update_timestamp : Method::write;
    a = co_await call(m, id_, enc.bytes);
  } else {
    a = co_await call(Method::write, id_, enc.bytes);
  }
  if (!a.ok() && !pending_exception_) {
    warn(out, std::string(function) + "(): Failed to write session data using user defined save "
              "handler. (session.save_path: " + path() + ", handler: " +
              handler_class(ctx_.variant) + "::" + method + ")");
  }
  co_return a.ok();
}

Proc<Outcome> PhpEngine::regenerate(bool delete_old) {
  Outcome out;
  if (!active_) {
    warn(out, "session_regenerate_id(): Session ID cannot be regenerated when there is no active "
              "session");
    out.result = false;
    co_return out;
  }
  if (delete_old) {
    Answer d = co_await call(Method::destroy, id_);
    if (!d.ok()) {
      co_await close_handler();
      active_ = false;
      if (!pending_exception_) {
        warn(out, "session_regenerate_id(): Session object destruction failed. ID: user (path: " +
                      path() + ")");
      }
      out.result = false;
      co_return finish(std::move(out));
    }
  } else {
    EncodeResult enc =
        encode_for_write(out, *vars_, opts_.serialize_handler, "session_regenerate_id");
    Answer w = co_await call(Method::write, id_, enc.bytes);
    if (!w.ok()) {
      co_await close_handler();
      active_ = false;
      if (!pending_exception_) {
        warn(out, "session_regenerate_id(): Session write failed. ID: user (path: " + path() + ")");
      }
      out.result = false;
      co_return finish(std::move(out));
    }
  }
  co_await close_handler();
  out.result = co_await regenerate_new_id(out);
  co_return finish(std::move(out));
}

// The second half of regenerate: open, a new id (strict: collision loop), read(new).
Proc<bool> PhpEngine::regenerate_new_id(Outcome& out) {
  Answer opened = co_await call(Method::open, opts_.save_path, opts_.name);
  handler_open_ = true;
  if (!opened.ok()) {
    active_ = false;
    if (!pending_exception_) {
      pending_exception_ = "Error: Failed to open session: user (path: " + path() + ")";
    }
    co_return false;
  }
  auto made = co_await new_id(out);
  if (!made) {
    active_ = false;
    co_return false;
  }
  id_ = *made;
  if (opts_.use_strict_mode && caps_.validate_id) {
    // validateId true means the new id collides: PHP retries create_sid 3 times, then uses the
    // 4th id unvalidated.
    for (int tries = 0; tries < 3; ++tries) {
      Answer v = co_await call(Method::validate_id, id_);
      if (!(v.kind == Answer::Kind::boolean && v.b)) break;
      auto again = co_await new_id(out);
      if (!again) co_return false;
      id_ = *again;
    }
  }
  Answer r = co_await call(Method::read, id_);
  if (r.kind != Answer::Kind::string) {
    co_await close_handler();
    active_ = false;
    if (!pending_exception_) {
      pending_exception_ = "Error: Failed to create(read) session ID: user (path: " + path() + ")";
    }
    co_return false;
  }
  lazy_snapshot_.reset();  // After regenerate PHP always writes.
  send_cookie();
  co_return true;
}

// What the gist recorded: regenerate only asks for a new id (and destroys the old one when told).
Proc<Outcome> PhpEngine::regenerate_legacy(bool delete_old) {
  Outcome out;
  if (!active_) {
    warn(out, "session_regenerate_id(): Cannot regenerate session id - session is not active");
    out.result = false;
    co_return out;
  }
  if (delete_old) co_await call(Method::destroy, id_);
  auto made = co_await new_id(out);
  if (!made) {
    out.result = false;
    co_return finish(std::move(out));
  }
  id_ = *made;
  send_cookie();
  out.result = true;
  co_return finish(std::move(out));
}

Proc<Outcome> PhpEngine::reset() {
  Outcome out;
  if (!active_) {
    out.result = false;
    co_return out;
  }
  // php_session_reset(): initialize again with no close first.
  active_ = false;
  out.result = co_await initialize(out);
  co_return finish(std::move(out));
}

Outcome PhpEngine::set_id(const ScriptCall& call) {
  Outcome out;
  out.result = id_;
  if (!call.text) return out;
  if (active_ && !legacy_) {
    warn(out, "session_id(): Session ID cannot be changed when a session is active");
    out.result = false;
    return out;
  }
  id_ = *call.text;
  return out;
}

Proc<Outcome> PhpEngine::destroy() {
  Outcome out;
  if (!active_) {
    warn(out, "session_destroy(): Trying to destroy uninitialized session");
    out.result = false;
    co_return out;
  }
  Answer d = co_await call(Method::destroy, id_);
  if (!d.ok() && !pending_exception_) {
    warn(out, "session_destroy(): Session object destruction failed");
  }
  co_await close_handler();
  active_ = false;
  if (!legacy_) id_.clear();
  out.result = d.ok();
  co_return finish(std::move(out));
}

Proc<Outcome> PhpEngine::abort() {
  Outcome out;
  if (!active_) {
    out.result = false;
    co_return out;
  }
  co_await close_handler();
  active_ = false;
  out.result = true;
  co_return finish(std::move(out));
}

Proc<Outcome> PhpEngine::gc() {
  Outcome out;
  if (!active_) {
    warn(out, "session_gc(): Session cannot be garbage collected when there is no active session");
    out.result = false;
    co_return out;
  }
  Answer a = co_await call(Method::gc, std::to_string(opts_.gc_maxlifetime));
  if (a.kind == Answer::Kind::integer && a.n >= 0) {
    out.result = a.n;
  } else if (a.kind == Answer::Kind::integer) {
    // PHP's session_gc() returns false for a negative count (real PHP: phpredis's gc() answers
    // -1, and session_gc() is false; docs/certified-handlers.md).
    out.result = false;
  } else if (a.kind == Answer::Kind::boolean && a.b) {
    out.result = std::int64_t{1};
  } else {
    out.result = false;
  }
  co_return finish(std::move(out));
}

Proc<Outcome> PhpEngine::create_id(const ScriptCall& sc) {
  Outcome out;
  const std::string prefix = sc.text.value_or("");
  if (!valid_id_prefix(prefix)) {
    warn(out, "session_create_id(): Prefix cannot contain special characters. Only the A-Z, a-z, "
              "0-9, \"-\", and \",\" characters are allowed");
    out.result = false;
    co_return out;
  }
  if (!active_ || !caps_.create_sid) {
    out.result = prefix + php_made_id(rng_, opts_.sid_length, opts_.sid_bits_per_character);
    co_return out;
  }
  // Active with create_sid: ask for ids until validateId says the id is unused (3 tries).
  for (int tries = 0; tries < 3; ++tries) {
    Answer a = co_await call(Method::create_sid);
    if (a.kind != Answer::Kind::string) break;
    if (!caps_.validate_id) {
      out.result = prefix + a.s;
      co_return finish(std::move(out));
    }
    Answer v = co_await call(Method::validate_id, a.s);
    if (!(v.kind == Answer::Kind::boolean && v.b)) {
      out.result = prefix + a.s;
      co_return finish(std::move(out));
    }
  }
  warn(out, "session_create_id(): Failed to create new ID");
  out.result = false;
  co_return finish(std::move(out));
}

// RSHUTDOWN: a still-active session is written and closed; a handler left open is closed.
Proc<Outcome> PhpEngine::end_request() {
  Outcome out;
  if (active_) {
    co_await save_state(out, "session_write_close");
    co_await close_handler();
    active_ = false;
  }
  if (handler_open_) co_await close_handler();
  co_return finish(std::move(out));
}

}  // namespace

std::unique_ptr<Engine> make_php_engine(RequestContext ctx, Rng& rng, bool legacy) {
  return std::make_unique<PhpEngine>(std::move(ctx), rng, legacy);
}

}  // namespace ss::model
