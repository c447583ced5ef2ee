// The PHP session module as a user save handler sees it: PHP 8.2 (ext/session of 8.2.36) and the
// legacy PHP 5.x behaviour the gist recorded. One class, because the legacy profile differs from
// 8.2 in a handful of decisions (each marked `legacy_`), not in structure.

#include <string>
#include <utility>

#include "model/detail/engine_common.hpp"

namespace ss::model {
namespace {

class PhpEngine final : public Engine {
 public:
  PhpEngine(RequestContext ctx, Rng& rng, bool legacy)
      : ctx_(std::move(ctx)),
        opts_(ctx_.options),
        caps_(capabilities_of(ctx_.variant)),
        rng_(rng),
        legacy_(legacy),
        ini_(opts_.to_ini()) {
    ini_.erase("read_and_close");  // a session_start() option, not an ini setting
  }

  Proc<Outcome> begin_request() override { co_return Outcome{}; }
  Proc<Outcome> script(const ScriptCall& call) override;
  Proc<Outcome> end_request() override;

  // Once the request has ended these are what the response saw (Shown).
  Status status() const override {
    if (shown_) return shown_->status;
    return active_ ? Status::active : Status::none;
  }
  std::string session_id() const override { return shown_ ? shown_->id : id_; }
  const std::optional<Array>& session() const override { return shown_ ? shown_->session : vars_; }
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
  Proc<Answer> call_v(Method m, std::vector<std::string> args,
                      std::optional<Answer> preset = std::nullopt);
  void absorb_exception(const Answer& a);
  bool bool_result(const Answer& a, Outcome& out);
  void raise(Outcome& out, std::string message) const;
  void raise_notice(Outcome& out, std::string message) const;
  void files_refused_id(Outcome& out, const Answer& a, std::string_view method);
  void deprecated(Outcome& out, const std::string& message) const;

  Proc<Outcome> start(const ScriptCall& call);
  Proc<bool> initialize(Outcome& out);
  Proc<bool> choose_id(Outcome& out);
  void id_sources();
  void reset_id();
  Outcome encode();
  Proc<Outcome> decode(const ScriptCall& call);
  Outcome ini(const ScriptCall& call);
  Proc<bool> read_and_decode(Outcome& out);
  Proc<bool> abort_session(Outcome& out);
  Proc<bool> cancel_decode(Outcome& out);
  Proc<bool> destroy_session(Outcome& out);
  Proc<Outcome> write_close(std::string_view function);
  Proc<bool> save_state(Outcome& out);
  Proc<bool> regenerate_old(Outcome& out, bool delete_old);
  Proc<bool> close_handler(Outcome& out);
  Proc<Outcome> regenerate(bool delete_old);
  Proc<Outcome> regenerate_legacy(bool delete_old);
  Proc<bool> regenerate_new_id(Outcome& out);
  Proc<bool> regenerate_collisions(Outcome& out);
  Proc<Outcome> reset();
  Proc<Outcome> destroy();
  Proc<Outcome> abort();
  Proc<Outcome> gc();
  Proc<Outcome> create_id(const ScriptCall& call);
  Outcome end_script(const ScriptCall& call);
  Proc<bool> run_shutdown_functions(Outcome& out);
  Proc<bool> rshutdown();
  Proc<std::optional<std::string>> new_id(Outcome& out);
  Outcome set_id(const ScriptCall& call);
  Outcome finish(Outcome out);
  void forget_id() {
    id_.clear();
    id_null_ = true;
  }
  void set_id_value(std::string id) {
    id_ = std::move(id);
    id_null_ = false;
  }
  void send_cookie() {
    if (opts_.use_cookies) cookie_out_ = id_;
  }
  [[nodiscard]] std::string path() const { return opts_.save_path; }

  RequestContext ctx_;
  RunOptions opts_;
  Capabilities caps_;
  Rng& rng_;
  bool legacy_;
  /// The session function running now: PHP prefixes its diagnostics with it.
  std::string function_ = "session_start";

  /// What the script registered for the end of the request, in order: a call (on_shutdown)
  /// or session_write_close (session_register_shutdown, when `call` is empty).
  struct ShutdownItem {
    std::optional<ScriptCall> call;
  };
  std::vector<ShutdownItem> shutdown_;
  /// The fatal error that ended the script (fatal, exhaust_memory), for the response.
  std::optional<std::string> fatal_;
  /// The state the response was sent with, once the request has ended (RSHUTDOWN comes later).
  struct Shown {
    Status status = Status::none;
    std::string id;
    std::optional<Array> session;
  };
  std::optional<Shown> shown_;

  bool active_ = false;
  bool handler_open_ = false;
  /// PS(in_save_handler) left set: a handler method threw while no stack frame was active (the
  /// RSHUTDOWN write), so the fatal error bailed out of the call before PHP could clear it.
  bool in_save_handler_ = false;
  /// The RSHUTDOWN flush is running: PHP has no stack frame, and an exception is a fatal error at
  /// once that bails out of php_session_flush() (the rest of it, its close included, is skipped).
  bool without_frame_ = false;
  /// The module tracks $_SESSION (php_session_track_init ran and no destroy since): a failed
  /// session_start() empties it.
  bool tracked_ = false;
  /// PS(mod_user_class_name) is set (session_set_save_handler() with an object) and not yet
  /// released by a php_session_destroy(): write warnings name "Class::method" while it is.
  bool class_known_ = true;
  std::string id_;
  /// PS(id) is NULL (no id at all), as opposed to "" (session_id(""), or create_sid answered "");
  /// the cookie is only looked at for a NULL id.
  bool id_null_ = true;
  std::optional<Array> vars_;
  std::optional<std::string> lazy_snapshot_;
  std::optional<std::string> pending_exception_;
  std::optional<std::string> cookie_out_;
  /// PS(send_cookie) and PS(define_sid) of php_session_start(); the SID constant once defined.
  bool send_cookie_flag_ = false;
  bool define_sid_ = true;
  std::optional<std::string> sid_;
  /// The session ini settings as ini_get() shows them (the strings they were set with).
  std::map<std::string, std::string> ini_;
};

Proc<Answer> PhpEngine::call_v(Method m, std::vector<std::string> args,
                               std::optional<Answer> preset) {
  if (pending_exception_) co_return Answer::failure_("skipped: exception pending");
  // Built as a named local: g++ 12 copies aggregate temporaries inside co_await bitwise.
  HandlerCall c;
  c.method = m;
  c.args = std::move(args);
  Answer a;
  if (preset) {
    a = co_await ask_preset(std::move(c), std::move(*preset));
  } else {
    a = co_await ask_call(std::move(c));
  }
  absorb_exception(a);
  co_return a;
}

void PhpEngine::absorb_exception(const Answer& a) {
  if (a.kind != Answer::Kind::exception) return;
  pending_exception_ = a.reason;
  in_save_handler_ = without_frame_;
}

// php_error_docref() reaches the user error handler only when no exception is pending (the
// call of the handler is skipped then): a diagnostic raised meanwhile is lost.
void PhpEngine::raise(Outcome& out, std::string message) const {
  if (!pending_exception_) warn(out, std::move(message));
}

void PhpEngine::raise_notice(Outcome& out, std::string message) const {
  if (!pending_exception_) notice(out, std::move(message));
}

void PhpEngine::deprecated(Outcome& out, const std::string& message) const {
  out.diagnostics.push_back(
      Diagnostic{Diagnostic::Level::deprecated, function_ + "(): " + message});
}

// verify_bool_return_type_userland_calls() of mod_user.c: what PHP makes of the answer of a
// method that should return a bool (all but read, gc and create_sid). A handler's own failure
// is false; 0 and -1 pass with a deprecation; any other type is a TypeError.
bool PhpEngine::bool_result(const Answer& a, Outcome& out) {
  switch (a.kind) {
    case Answer::Kind::boolean: return a.b;
    case Answer::Kind::failure:
    case Answer::Kind::exception: return false;
    case Answer::Kind::integer:
      if (a.n != 0 && a.n != -1) break;
      if (!pending_exception_) {
        deprecated(out, "Session callback must have a return value of type bool, int returned");
      }
      return a.n == 0;
    default: break;
  }
  if (!pending_exception_) {
    pending_exception_ = "TypeError: Session callback must have a return value of type bool, " +
                         answer_type_name(a) + " returned";
  }
  return false;
}

// A script call that left an exception pending throws it, and returns nothing.
Outcome PhpEngine::finish(Outcome out) {
  if (pending_exception_) {
    out.thrown = std::exchange(pending_exception_, std::nullopt);
    out.result = Value{};
  }
  return out;
}

Proc<Outcome> PhpEngine::script(const ScriptCall& call) {
  function_ = std::string(op_name(call.op));
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
    case Op::fatal:
    case Op::exhaust_memory:
    case Op::on_shutdown:
    case Op::session_register_shutdown: co_return end_script(call);
    case Op::session_encode: co_return encode();
    case Op::session_decode: co_return co_await decode(call);
    case Op::ini_get:
    case Op::ini_set: co_return ini(call);
    case Op::sid: {
      Outcome out;
      if (sid_) out.result = *sid_;
      co_return out;
    }
    case Op::dump: {
      Outcome out;
      if (vars_) out.result = Value{*vars_};
      co_return out;
    }
    default: co_return apply_array_op(call, active_, vars_);
  }
}

Proc<Outcome> PhpEngine::start(const ScriptCall& call) {
  Outcome out;
  if (active_) {
    out.result = true;
    raise_notice(out,
                 "session_start(): Ignoring session_start() because a session is already active");
    co_return out;
  }
  // session_start() options are ini_set()s: they stay for the rest of the request, except
  // read_and_close, which only this start sees.
  const bool read_and_close_default = opts_.read_and_close;
  if (auto err = apply_start_options(opts_, call.options)) {
    raise(out, "session_start(): " + *err);
    out.result = false;
    co_return out;
  }
  const bool read_and_close = opts_.read_and_close;
  opts_.read_and_close = read_and_close_default;
  for (const auto& [k, v] : call.options) {
    if (k != "read_and_close") ini_[k] = v;
  }
  id_sources();
  const bool ok = co_await initialize(out);
  // php_session_start() forgets the id of a start that failed; session_start() then empties a
  // $_SESSION the module tracks. A decode failure "succeeds" with the session destroyed.
  if (!ok || !active_) {
    active_ = false;
    forget_id();
    if (tracked_) vars_ = Array{};
    out.result = false;
    co_return finish(std::move(out));
  }
  if (read_and_close) {
    co_await close_handler(out);
    active_ = false;
  }
  out.result = true;
  co_return finish(std::move(out));
}

// php_session_abort(): close a handler that is open; the session is no longer active.
Proc<bool> PhpEngine::abort_session(Outcome& out) {
  co_await close_handler(out);
  active_ = false;
  co_return false;
}

// php_session_initialize(): open, choose or validate the id, read, gc, decode. The session is
// active from the first call on (PHP sets the status before open).
Proc<bool> PhpEngine::initialize(Outcome& out) {
  active_ = true;
  Answer opened = co_await call(Method::open, opts_.save_path, opts_.name);
  handler_open_ = true;  // mod_user sets this whatever open() returned.
  if (!bool_result(opened, out)) {
    co_await abort_session(out);
    if (!pending_exception_) {
      raise(out,
            function_ + "(): Failed to initialize storage module: user (path: " + path() + ")");
    }
    co_return false;
  }
  if (!co_await choose_id(out)) co_return co_await abort_session(out);
  co_return co_await read_and_decode(out);
}

// php_session_start()'s id sources: the cookie only when no id is set (session_id() sets one,
// even ""), then the query string when use_only_cookies=0; then an id that could split headers
// is dropped before any handler call, whatever its source (a dropped session_id() value does
// not fall back to the cookie: PHP makes a new id). An id the browser sent needs no cookie.
void PhpEngine::id_sources() {
  define_sid_ = !opts_.use_only_cookies;
  send_cookie_flag_ = opts_.use_cookies || opts_.use_only_cookies;
  if (id_null_ && opts_.use_cookies && ctx_.cookie) {
    set_id_value(*ctx_.cookie);
    send_cookie_flag_ = false;
    define_sid_ = false;
  }
  if (id_null_ && !opts_.use_only_cookies && ctx_.query) {
    set_id_value(*ctx_.query);
    send_cookie_flag_ = false;
  }
  if (!id_.empty() && !cookie_id_acceptable(id_)) forget_id();
}

// php_session_initialize()'s choice: a new id when there is none, strict mode asks validateId
// and replaces an id it does not confirm; then php_session_reset_id().
Proc<bool> PhpEngine::choose_id(Outcome& out) {
  if (id_.empty()) {
    auto made = co_await new_id(out);
    if (!made) co_return false;
    set_id_value(*made);
    if (opts_.use_cookies) send_cookie_flag_ = true;
  } else if (opts_.use_strict_mode && caps_.validate_id && !legacy_) {
    Answer v = co_await call(Method::validate_id, id_);
    if (!bool_result(v, out)) {
      // An id create_sid failed to make is replaced by one PHP makes; the exception that
      // create_sid left pending then skips the read.
      auto made = co_await new_id(out);
      set_id_value(made ? *made
                        : php_made_id(rng_, opts_.sid_length, opts_.sid_bits_per_character));
      if (opts_.use_cookies) send_cookie_flag_ = true;
    }
  }
  reset_id();
  co_return true;
}

// php_session_reset_id(): the pending Set-Cookie goes out, and the SID constant is (re)defined.
void PhpEngine::reset_id() {
  if (opts_.use_cookies && send_cookie_flag_) {
    cookie_out_ = id_;
    send_cookie_flag_ = false;
  }
  sid_ = define_sid_ ? opts_.name + "=" + id_ : std::string();
}

// create_sid() when the handler has it, else an id PHP makes itself. mod_user throws "Session
// id must be a string" for anything but a string, also when a pending exception skipped the
// call (the new Error then wraps the pending one).
Proc<std::optional<std::string>> PhpEngine::new_id(Outcome&) {
  if (!caps_.create_sid) {
    co_return php_made_id(rng_, opts_.sid_length, opts_.sid_bits_per_character);
  }
  // SessionHandler::create_sid() is PHP's own id maker (sid_length, sid_bits_per_character),
  // as the files module's: the store under it is not asked.
  std::optional<Answer> preset;
  if (ctx_.variant == Variant::sessionhandler) {
    preset = Answer::string_(php_made_id(rng_, opts_.sid_length, opts_.sid_bits_per_character));
  }
  Answer a = co_await call_v(Method::create_sid, {}, std::move(preset));
  if (a.kind != Answer::Kind::string) {
    pending_exception_ = "Error: Session id must be a string";
    co_return std::nullopt;
  }
  co_return a.s;
}

Proc<bool> PhpEngine::read_and_decode(Outcome& out) {
  // php_session_track_init(): a new, empty $_SESSION before the read.
  vars_ = Array{};
  tracked_ = true;
  Answer r = co_await call(Method::read, id_);
  if (r.kind != Answer::Kind::string) {
    files_refused_id(out, r, "read");
    co_await abort_session(out);
    if (!pending_exception_) {
      raise(out, function_ + "(): Failed to read session data: user (path: " + path() + ")");
    }
    co_return false;
  }
  if (!legacy_ && gc_hits(rng_, opts_)) {
    co_await call(Method::gc, std::to_string(opts_.gc_maxlifetime));
  }
  lazy_snapshot_.reset();
  if (opts_.lazy_write) lazy_snapshot_ = r.s;
  auto decoded = decode_session(r.s, opts_.serialize_handler);
  if (std::holds_alternative<DecodeError>(decoded)) {
    co_await cancel_decode(out);
    co_return true;  // php_session_initialize() does not look at the decode's result
  }
  vars_ = std::move(std::get<Array>(decoded));
  co_return true;
}

// SessionHandler::read()/write() proxy the files module, whose ps_files_open() refuses an id
// outside [A-Za-z0-9,-] with a warning of its own (destroy() does not look at the id).
void PhpEngine::files_refused_id(Outcome& out, const Answer& a, std::string_view method) {
  if (pending_exception_ || a.injected || a.ok() || ctx_.variant != Variant::sessionhandler ||
      valid_session_id(id_)) {
    return;
  }
  raise(out, "SessionHandler::" + std::string(method) +
                 "(): Session ID is too long or contains illegal characters. Only the A-Z, a-z, "
                 "0-9, \"-\", and \",\" characters are allowed");
}

// php_session_cancel_decode(): php_session_destroy(), a new empty $_SESSION, a warning.
Proc<bool> PhpEngine::cancel_decode(Outcome& out) {
  co_await destroy_session(out);
  vars_ = Array{};
  tracked_ = true;
  // php_error_docref() reaches a user error handler only when no exception is pending.
  if (!pending_exception_) {
    raise(out, function_ + "(): Failed to decode session object. Session has been destroyed");
  }
  co_return true;
}

// php_session_destroy() once the session is known to be active: destroy(id), then the request's
// session globals go (the handler is closed, the id and the lazy snapshot forgotten; $_SESSION
// stays, no longer tracked).
Proc<bool> PhpEngine::destroy_session(Outcome& out) {
  Answer d = co_await call(Method::destroy, id_);
  const bool ok = bool_result(d, out);
  if (!ok && !pending_exception_) raise(out, function_ + "(): Session object destruction failed");
  tracked_ = false;
  class_known_ = false;  // php_rshutdown_session_globals() releases mod_user_class_name
  co_await close_handler(out);
  active_ = false;
  if (!legacy_) forget_id();
  lazy_snapshot_.reset();
  co_return ok;
}

// The user module's close: skipped (and forgotten) once the handler is closed.
// A SessionHandler subclass's close() after the session ended (RSHUTDOWN, after a failed
// regenerate) reaches SessionHandler::close(), whose sanity check throws before the module.
Proc<bool> PhpEngine::close_handler(Outcome& out) {
  if (!handler_open_) co_return true;
  handler_open_ = false;  // Cleared even when a pending exception skips the call.
  std::optional<Answer> preset;
  if (ctx_.variant == Variant::sessionhandler && !active_) {
    preset = Answer::exception_("Error: Session is not active");
  }
  Answer a = co_await call_v(Method::close, {}, std::move(preset));
  co_return bool_result(a, out);
}

Proc<Outcome> PhpEngine::write_close(std::string_view) {
  Outcome out;
  if (!active_) {
    out.result = false;
    co_return out;
  }
  co_await save_state(out);
  active_ = false;
  out.result = true;  // PHP returns true even when write() failed.
  co_return finish(std::move(out));
}

// php_session_save_current_state(1): updateTimestamp when lazy and unchanged, else write; the
// warning names the method; then close. Diagnostics carry the running function's name: the
// script's, or session_write_close for the shutdown write (PHP registers session_write_close as
// a shutdown function).
Proc<bool> PhpEngine::save_state(Outcome& out) {
  EncodeResult enc = encode_for_write(out, *vars_, opts_.serialize_handler, function_);
  const bool lazy = !legacy_ && opts_.lazy_write && lazy_snapshot_ && !enc.bytes.empty() &&
                    enc.bytes == *lazy_snapshot_;
  bool ok = false;
  std::string method = "write";
  if (handler_open_) {
    Answer a;
    if (lazy) {
      method = "updateTimestamp";
      const Method m = caps_.update_timestamp ? Method::update_timestamp : Method::write;
      a = co_await call(m, id_, enc.bytes);
    } else {
      a = co_await call(Method::write, id_, enc.bytes);
    }
    files_refused_id(out, a, "write");
    ok = bool_result(a, out);
  }
  if (without_frame_ && pending_exception_) co_return ok;  // bailed out (rshutdown())
  if (!ok && !pending_exception_) {
    // Without the class name (php_session_destroy() forgot it) PHP names the procedural callback.
    const std::string handler = class_known_        ? handler_class(ctx_.variant) + "::" + method
                                : method == "write" ? method
                                                    : std::string("update_timestamp");
    raise(out, function_ +
                   "(): Failed to write session data using user defined save handler. "
                   "(session.save_path: " +
                   path() + ", handler: " + handler + ")");
  }
  co_await close_handler(out);
  co_return ok;
}

Proc<Outcome> PhpEngine::regenerate(bool delete_old) {
  Outcome out;
  if (!active_) {
    raise(out,
          "session_regenerate_id(): Session ID cannot be regenerated when there is no active "
          "session");
    out.result = false;
    co_return out;
  }
  if (!co_await regenerate_old(out, delete_old)) {
    out.result = false;
    co_return finish(std::move(out));
  }
  co_await close_handler(out);
  lazy_snapshot_.reset();  // After regenerate PHP always writes.
  forget_id();
  out.result = co_await regenerate_new_id(out);
  co_return finish(std::move(out));
}

// The old session: destroyed (delete_old) or written; a failure closes the handler and ends
// the session.
Proc<bool> PhpEngine::regenerate_old(Outcome& out, bool delete_old) {
  std::string warning;
  if (delete_old) {
    Answer d = co_await call(Method::destroy, id_);
    if (bool_result(d, out)) co_return true;
    warning = "Session object destruction failed";
  } else {
    EncodeResult enc = encode_for_write(out, *vars_, opts_.serialize_handler, function_);
    Answer w = co_await call(Method::write, id_, enc.bytes);
    if (bool_result(w, out)) co_return true;
    warning = "Session write failed";
  }
  co_await close_handler(out);
  active_ = false;
  if (!pending_exception_) {
    raise(out, function_ + "(): " + warning + ". ID: user (path: " + path() + ")");
  }
  co_return false;
}

// The second half of regenerate: open, a new id (strict: collision loop), read(new). A failure
// throws; only a failed read closes the handler (else RSHUTDOWN does).
Proc<bool> PhpEngine::regenerate_new_id(Outcome& out) {
  Answer opened = co_await call(Method::open, opts_.save_path, opts_.name);
  handler_open_ = true;
  if (!bool_result(opened, out)) {
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
  set_id_value(*made);
  if (opts_.use_strict_mode && caps_.validate_id && !co_await regenerate_collisions(out)) {
    co_return false;
  }
  Answer r = co_await call(Method::read, id_);
  if (r.kind != Answer::Kind::string) {
    files_refused_id(out, r, "read");
    co_await close_handler(out);
    active_ = false;
    if (!pending_exception_) {
      pending_exception_ = "Error: Failed to create(read) session ID: user (path: " + path() + ")";
    }
    co_return false;
  }
  if (opts_.use_cookies) send_cookie_flag_ = true;
  reset_id();
  co_return true;
}

// validateId true means the new id collides: PHP asks create_sid again, 3 times at most, then
// uses the last id unvalidated. A create_sid failure here closes the handler.
Proc<bool> PhpEngine::regenerate_collisions(Outcome& out) {
  for (int tries = 0; tries < 3; ++tries) {
    Answer v = co_await call(Method::validate_id, id_);
    if (!bool_result(v, out)) co_return true;
    auto again = co_await new_id(out);
    if (!again) {
      co_await close_handler(out);
      active_ = false;
      co_return false;
    }
    set_id_value(*again);
  }
  co_return true;
}

// What the gist recorded: regenerate only asks for a new id (and destroys the old one when told).
Proc<Outcome> PhpEngine::regenerate_legacy(bool delete_old) {
  Outcome out;
  if (!active_) {
    raise(out, "session_regenerate_id(): Cannot regenerate session id - session is not active");
    out.result = false;
    co_return out;
  }
  if (delete_old) co_await call(Method::destroy, id_);
  auto made = co_await new_id(out);
  if (!made) {
    out.result = false;
    co_return finish(std::move(out));
  }
  set_id_value(*made);
  send_cookie();
  out.result = true;
  co_return finish(std::move(out));
}

// php_session_reset(): initialize again with no close first. session_reset() of 8.2 returns
// true whatever the initialisation did (a failed open ends the session all the same).
Proc<Outcome> PhpEngine::reset() {
  Outcome out;
  if (!active_) {
    out.result = false;
    co_return out;
  }
  co_await initialize(out);
  out.result = true;
  co_return finish(std::move(out));
}

Outcome PhpEngine::set_id(const ScriptCall& call) {
  Outcome out;
  out.result = id_;
  if (!call.text) return out;
  if (active_ && !legacy_) {
    raise(out, "session_id(): Session ID cannot be changed when a session is active");
    out.result = false;
    return out;
  }
  set_id_value(*call.text);
  return out;
}

Proc<Outcome> PhpEngine::destroy() {
  Outcome out;
  if (!active_) {
    raise(out, "session_destroy(): Trying to destroy uninitialized session");
    out.result = false;
    co_return out;
  }
  out.result = co_await destroy_session(out);
  co_return finish(std::move(out));
}

Proc<Outcome> PhpEngine::abort() {
  Outcome out;
  if (!active_) {
    out.result = false;
    co_return out;
  }
  co_await abort_session(out);
  out.result = true;
  co_return finish(std::move(out));
}

Proc<Outcome> PhpEngine::gc() {
  Outcome out;
  if (!active_) {
    raise(out, "session_gc(): Session cannot be garbage collected when there is no active session");
    out.result = false;
    co_return out;
  }
  Answer a = co_await call(Method::gc, std::to_string(opts_.gc_maxlifetime));
  if (a.kind == Answer::Kind::integer && a.n >= 0) {
    out.result = a.n;
  } else if (a.kind == Answer::Kind::boolean && a.b) {
    out.result = std::int64_t{1};
  } else {
    // PS_GC_FUNC(user) counts anything else, a negative count included, as -1 deleted, and
    // session_gc() answers false for that (real PHP: phpredis's gc() answers -1;
    // docs/certified-handlers.md).
    out.result = false;
  }
  co_return finish(std::move(out));
}

Proc<Outcome> PhpEngine::create_id(const ScriptCall& sc) {
  Outcome out;
  const std::string prefix = sc.text.value_or("");
  if (!valid_id_prefix(prefix)) {
    raise(out,
          "session_create_id(): Prefix cannot contain special characters. Only the A-Z, a-z, "
          "0-9, \"-\", and \",\" characters are allowed");
    out.result = false;
    co_return out;
  }
  if (!active_ || (!caps_.create_sid && !caps_.validate_id)) {
    out.result = prefix + php_made_id(rng_, opts_.sid_length, opts_.sid_bits_per_character);
    co_return out;
  }
  // Active: make ids (create_sid, or PHP's own without it) until validateId says the id is
  // unused (3 tries); PHP 8.2 asks validateId even when it made the id itself.
  for (int tries = 0; tries < 3; ++tries) {
    auto made = co_await new_id(out);
    if (!made) break;
    if (!caps_.validate_id) {
      out.result = prefix + *made;
      co_return finish(std::move(out));
    }
    Answer v = co_await call(Method::validate_id, *made);
    if (!bool_result(v, out)) {
      out.result = prefix + *made;
      co_return finish(std::move(out));
    }
  }
  raise(out, "session_create_id(): Failed to create new ID");
  out.result = false;
  co_return finish(std::move(out));
}

// session_encode(): the tracked $_SESSION (also after the session was closed) in the session
// serializer's format; an empty encoding is false.
Outcome PhpEngine::encode() {
  Outcome out;
  if (!tracked_ || !vars_) {
    raise(out, "session_encode(): Cannot encode non-existent session");
    out.result = false;
    return out;
  }
  EncodeResult enc = encode_for_write(out, *vars_, opts_.serialize_handler, "session_encode");
  if (enc.bytes.empty()) {
    out.result = false;
  } else {
    out.result = enc.bytes;
  }
  return out;
}

// session_decode(): into the active session's $_SESSION (php, php_binary: key by key over what
// is there; php_serialize: the array replaces it). Undecodable data destroys the session, as an
// undecodable read does.
Proc<Outcome> PhpEngine::decode(const ScriptCall& call) {
  Outcome out;
  if (!active_) {
    raise(out, "session_decode(): Session data cannot be decoded when there is no active session");
    out.result = false;
    co_return out;
  }
  auto decoded = decode_session(call.text.value_or(""), opts_.serialize_handler);
  const bool failed = std::holds_alternative<DecodeError>(decoded);
  if (!failed) {
    Array& got = std::get<Array>(decoded);
    if (opts_.serialize_handler == Serializer::php_serialize || !vars_) {
      vars_ = std::move(got);
    } else {
      for (auto& e : got.items) vars_->set(e.key, std::move(e.value));
    }
  }
  // The php and php_binary decoders end with php_session_normalize_vars(), whose loop warns
  // about every integer key of $_SESSION: php's whether the decode worked or not, php_binary's
  // only when it did (its failures return before).
  const bool normalises = opts_.serialize_handler == Serializer::php ||
                          (opts_.serialize_handler == Serializer::php_binary && !failed);
  if (normalises && vars_) {
    for (const auto& e : vars_->items) {
      if (const auto* n = std::get_if<std::int64_t>(&e.key)) {
        raise(out, "session_decode(): Skipping numeric key " + std::to_string(*n));
      }
    }
  }
  if (failed) {
    co_await cancel_decode(out);
    out.result = false;
    co_return finish(std::move(out));
  }
  out.result = true;
  co_return out;
}

// ini_get()/ini_set() of a session setting at runtime (engine_common: php_ini_set).
Outcome PhpEngine::ini(const ScriptCall& call) {
  Outcome out;
  const std::string key = call.text.value_or("");
  const auto it = ini_.find(key);
  if (it == ini_.end()) {
    out.result = false;  // no such ini entry: false, without a warning
    return out;
  }
  if (call.op == Op::ini_get) {
    out.result = it->second;
    return out;
  }
  if (active_) {
    raise(out, "ini_set(): Session ini settings cannot be changed when a session is active");
    out.result = false;
    return out;
  }
  const std::string value = call.options.count("value") ? call.options.at("value") : "";
  if (auto warning = php_ini_set(opts_, key, value)) {
    raise(out, "ini_set(): " + *warning);
    out.result = false;
    return out;
  }
  out.result = it->second;
  it->second = value;
  return out;
}

// The script's own ways to end (and to register work for the end): a fatal error is remembered
// for the response; registrations join the shutdown list.
Outcome PhpEngine::end_script(const ScriptCall& call) {
  Outcome out;
  switch (call.op) {
    case Op::fatal:
      fatal_ = call.text.value_or("");
      out.ended = true;
      break;
    case Op::exhaust_memory:
      fatal_ = memory_exhausted_message();
      out.ended = true;
      break;
    case Op::on_shutdown: shutdown_.push_back({call.deferred.at(0)}); break;
    case Op::session_register_shutdown: shutdown_.push_back({std::nullopt}); break;
    default: break;
  }
  return out;
}

// The end of the request, in PHP's order: the shutdown functions (session_set_save_handler's
// session_register_shutdown first, which appends session_write_close; then what the script
// registered), the response, then RSHUTDOWN, whose work (a write left to it, the close of a
// handler left open) happens after the response and raises nothing the response can carry.
Proc<Outcome> PhpEngine::end_request() {
  Outcome out;
  co_await run_shutdown_functions(out);
  // error_get_last(): the last fatal error, of the shutdown functions or else of the script.
  if (pending_exception_) fatal_ = "Uncaught " + *std::exchange(pending_exception_, {});
  if (fatal_) out.diagnostics.push_back(Diagnostic{Diagnostic::Level::error, *fatal_});
  shown_ = Shown{active_ ? Status::active : Status::none, id_, vars_};
  co_await rshutdown();
  co_return out;
}

// php_call_shutdown_functions(): the list grows while it runs; an exception escaping one is a
// fatal error after which no further shutdown function runs.
Proc<bool> PhpEngine::run_shutdown_functions(Outcome& out) {
  std::vector<ShutdownItem> list;
  if (ctx_.register_shutdown) {
    ScriptCall register_write;  // session_set_save_handler()'s session_register_shutdown
    register_write.op = Op::session_register_shutdown;
    list.push_back({register_write});
  }
  list.insert(list.end(), shutdown_.begin(), shutdown_.end());
  constexpr std::size_t shutdown_functions_max = 64;
  for (std::size_t i = 0; i < list.size() && i < shutdown_functions_max; ++i) {
    if (list[i].call && list[i].call->op == Op::session_register_shutdown) {
      list.push_back({std::nullopt});
      continue;
    }
    if (!list[i].call) {
      function_ = "session_write_close";
      if (active_) {
        co_await save_state(out);
        active_ = false;
      }
      if (pending_exception_) co_return false;
      continue;
    }
    Outcome one = co_await script(*list[i].call);
    out.diagnostics.insert(out.diagnostics.end(), one.diagnostics.begin(), one.diagnostics.end());
    if (one.thrown) {
      pending_exception_ = one.thrown;
      co_return false;
    }
  }
  co_return true;
}

// PHP_RSHUTDOWN_FUNCTION(session): a session still active is written (register_shutdown=false,
// or one started by a shutdown function after PHP's write), then a handler left open is closed.
// An exception there (a handler method that throws, or the TypeError of a non-bool answer) is a
// fatal error at once, without a stack frame to unwind: PHP bails out of php_session_flush(), whose
// close is skipped, and php_rshutdown_session_globals() closes the handler afterwards, with the
// session still active, unless the bail-out left PS(in_save_handler) set (the method itself
// threw): then the close is refused as a recursive call ("Cannot call session save handler in a
// recursive manner", after the response). Checked on PHP 8.2.36.
Proc<bool> PhpEngine::rshutdown() {
  Outcome late;
  function_ = "Unknown";
  if (active_) {
    without_frame_ = true;
    co_await save_state(late);
    without_frame_ = false;
    if (std::exchange(pending_exception_, std::nullopt) && std::exchange(in_save_handler_, false)) {
      handler_open_ = false;
    }
  }
  if (handler_open_) co_await close_handler(late);
  active_ = false;
  pending_exception_.reset();
  co_return true;
}

}  // namespace

std::unique_ptr<Engine> make_php_engine(RequestContext ctx, Rng& rng, bool legacy) {
  return std::make_unique<PhpEngine>(std::move(ctx), rng, legacy);
}

}  // namespace ss::model
