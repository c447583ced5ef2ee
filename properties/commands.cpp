#include "properties/commands.hpp"

#include <ostream>
#include <string>

namespace ss::properties {

namespace {

using model::Key;
using model::Op;
using model::ScriptCall;
using model::Value;

/// Fails the current case with the harness's message as is (RC_FAIL would prefix file, line and
/// the macro's text to what is already a complete explanation).
void assert_ok(const Harness& h) {
  if (h.failure()) {
    throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Failure, *h.failure());
  }
  if (h.inconclusive()) {
    throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Discard, *h.inconclusive());
  }
}

ScriptCall make(Op op) {
  ScriptCall c;
  c.op = op;
  return c;
}

/// A small key set, so that calls collide on keys; 5 is an integer key, which PHP's `php`
/// serializer skips with a warning.
const std::vector<Key>& keys() {
  static const std::vector<Key> all = {std::string("a"), std::string("b"), std::string("c"),
                                       std::int64_t{5}};
  return all;
}

/// Values that find encoding bugs: the `php` format's '|' separator, a NUL byte, UTF-8, and a
/// string long enough to cross small payload limits.
const std::vector<Value>& values() {
  static const std::vector<Value> all = {Value{std::int64_t{1}},
                                         Value{std::string("x")},
                                         Value{std::string()},
                                         Value{std::string("a|b")},
                                         Value{std::string("n\0l", 3)},
                                         Value{std::string("\xc3\xa9t\xc3\xa9")},
                                         Value{true},
                                         Value{},
                                         Value{1.5},
                                         Value{std::string(200, 'L')},
                                         Value{std::int64_t{-7}}};
  return all;
}

/// Strings of N bytes either side of powers of two up to 64 KiB: a store that cuts or refuses
/// data above some size (a 64 KiB `TEXT` column, a fixed-size table row) shows it when the
/// session is read back. Empty and one-byte strings are among values(). The in-process property
/// stops at 64 KiB + 1: every later step of a case copies and encodes the session, and 1 MiB
/// values made L2 on memory 200 times slower (the real-PHP generator goes up to 1 MiB).
const std::vector<Value>& sized_values() {
  static const std::vector<Value> all = [] {
    std::vector<Value> out;
    for (const std::size_t n : {255, 257, 4095, 4097, 65535, 65537}) {
      out.emplace_back(std::string(n, 'S'));
    }
    return out;
  }();
  return all;
}

/// A value: one in twenty a sized string (a case has dozens of values, so the default budget
/// writes the large ones many times without making every case large).
rc::Gen<Value> gen_value() {
  return rc::gen::weightedOneOf<Value>(
      {{19, rc::gen::elementOf(values())}, {1, rc::gen::elementOf(sized_values())}});
}

/// Ids the script or the browser names: case variants of one id, ids that are prefixes of one
/// another (a store matching `LIKE 'id%'` confuses them), and malformed ones (a path separator,
/// a traversal) that a handler must refuse.
const std::vector<std::string>& named_ids() {
  static const std::vector<std::string> all = {"abc123",  "ABC123",        "abc12", "abc123def",
                                               "sid-1,x", "../etc/passwd", "a/b"};
  return all;
}

/// One script call in the current request.
class ScriptStep final : public Command {
 public:
  explicit ScriptStep(ScriptCall call) : call_(std::move(call)) {}

  // session_id(x) is generated as "set the id before session_start"; keep it so when shrinking.
  void checkPreconditions(const GenState& s) const override {
    if (call_.op == Op::session_id && call_.text) RC_PRE(!s.active);
  }
  void apply(GenState& s) const override {
    switch (call_.op) {
      case Op::session_start: {
        auto it = call_.options.find("read_and_close");
        if (!s.active) s.dirty = s.overlapped = false;
        s.active = it == call_.options.end() || it->second != "1";
        return;
      }
      case Op::session_write_close:
      case Op::session_commit:
      case Op::session_abort:
      case Op::session_destroy: s.active = s.overlapped = false; return;
      case Op::set:
      case Op::push:
      case Op::incr:
      case Op::unset:
      case Op::session_regenerate_id:
      case Op::session_reset: s.dirty = true; return;
      default: return;
    }
  }
  void run(const GenState&, Harness& h) const override {
    h.script(call_);
    assert_ok(h);
  }
  void show(std::ostream& os) const override { os << show_call(call_); }

 private:
  ScriptCall call_;
};

/// Ends the current request and starts the next one.
class NewRequest final : public Command {
 public:
  explicit NewRequest(CookieChoice cookie) : cookie_(std::move(cookie)) {}
  void apply(GenState& s) const override { s.active = s.overlapped = false; }
  void run(const GenState&, Harness& h) const override {
    h.new_request(cookie_);
    assert_ok(h);
  }
  void show(std::ostream& os) const override {
    os << "new request, cookie: ";
    switch (cookie_.kind) {
      case CookieChoice::Kind::jar: os << "the browser's"; break;
      case CookieChoice::Kind::none: os << "none"; break;
      case CookieChoice::Kind::explicit_id: os << model::show(Value{cookie_.id}); break;
    }
  }

 private:
  CookieChoice cookie_;
};

/// Another request on the same session runs while this one is in progress.
class Overlap final : public Command {
 public:
  explicit Overlap(std::vector<ScriptCall> calls) : calls_(std::move(calls)) {}
  void checkPreconditions(const GenState& s) const override { RC_PRE(s.overlap); }
  void apply(GenState& s) const override { s.overlapped = s.active; }
  void run(const GenState&, Harness& h) const override {
    h.interleave(calls_);
    assert_ok(h);
  }
  void show(std::ostream& os) const override {
    os << "overlapping request on this session:";
    for (const auto& c : calls_) os << " " << show_call(c) << ";";
  }

 private:
  std::vector<ScriptCall> calls_;
};

/// Another process reads the current session.
class Probe final : public Command {
 public:
  void run(const GenState&, Harness& h) const override {
    h.probe();
    assert_ok(h);
  }
  void show(std::ostream& os) const override { os << "another process reads this session"; }
};

CommandPtr step(ScriptCall c) {
  return std::make_shared<const ScriptStep>(std::move(c));
}

rc::Gen<CommandPtr> just(Op op) {
  return rc::gen::just(step(make(op)));
}

rc::Gen<ScriptCall> gen_keyed(Op op, bool with_value) {
  return rc::gen::apply(
      [op, with_value](const Key& k, const Value& v) {
        ScriptCall c = make(op);
        c.key = k;
        if (with_value) c.value = v;
        return c;
      },
      rc::gen::elementOf(keys()), gen_value());
}

rc::Gen<CommandPtr> gen_data(Op op, bool with_value) {
  return rc::gen::map(gen_keyed(op, with_value), &step);
}

rc::Gen<CommandPtr> gen_start() {
  using Options = std::map<std::string, std::string>;
  // Plain starts first, so that shrinking drops options.
  static const std::vector<Options> all = {{},
                                           {},
                                           {},
                                           {{"read_and_close", "1"}},
                                           {{"lazy_write", "0"}},
                                           {{"lazy_write", "1"}},
                                           {{"use_strict_mode", "1"}},
                                           {{"serialize_handler", "php_serialize"}}};
  return rc::gen::map(rc::gen::elementOf(all), [](const Options& o) {
    ScriptCall c = make(Op::session_start);
    c.options = o;
    return step(std::move(c));
  });
}

rc::Gen<CommandPtr> gen_regenerate() {
  return rc::gen::map(rc::gen::element(false, true), [](bool flag) {
    ScriptCall c = make(Op::session_regenerate_id);
    c.flag = flag;
    return step(std::move(c));
  });
}

rc::Gen<CommandPtr> gen_set_id() {
  return rc::gen::map(rc::gen::elementOf(named_ids()), [](const std::string& id) {
    ScriptCall c = make(Op::session_id);
    c.text = id;
    return step(std::move(c));
  });
}

rc::Gen<CommandPtr> gen_create_id() {
  static const std::vector<std::optional<std::string>> prefixes = {std::nullopt, "pre-",
                                                                   "bad prefix"};
  return rc::gen::map(rc::gen::elementOf(prefixes), [](const std::optional<std::string>& p) {
    ScriptCall c = make(Op::session_create_id);
    c.text = p;
    return step(std::move(c));
  });
}

// Ages around the two gc_maxlifetime values a case draws (100 and 1440 s).
rc::Gen<CommandPtr> gen_advance() {
  return rc::gen::map(rc::gen::element<std::int64_t>(1, 50, 100, 1500), [](std::int64_t s) {
    ScriptCall c = make(Op::advance);
    c.seconds = s;
    return step(std::move(c));
  });
}

rc::Gen<CommandPtr> gen_new_request() {
  rc::Gen<CookieChoice> explicit_id =
      rc::gen::map(rc::gen::elementOf(named_ids()), [](const std::string& id) {
        return CookieChoice{CookieChoice::Kind::explicit_id, id};
      });
  rc::Gen<CookieChoice> choice = rc::gen::weightedOneOf<CookieChoice>(
      {{6, rc::gen::just(CookieChoice{CookieChoice::Kind::jar, {}})},
       {2, rc::gen::just(CookieChoice{CookieChoice::Kind::none, {}})},
       {2, explicit_id}});
  return rc::gen::map(choice, [](const CookieChoice& c) -> CommandPtr {
    return std::make_shared<const NewRequest>(c);
  });
}

// The other tab starts the session, changes a key or two, and ends with or without
// session_write_close (its shutdown writes either way).
rc::Gen<CommandPtr> gen_overlap() {
  rc::Gen<ScriptCall> change = rc::gen::oneOf(gen_keyed(Op::set, true), gen_keyed(Op::incr, false),
                                              gen_keyed(Op::unset, false));
  return rc::gen::apply(
      [](const std::vector<ScriptCall>& changes, bool close) -> CommandPtr {
        std::vector<ScriptCall> calls{make(Op::session_start)};
        calls.insert(calls.end(), changes.begin(), changes.end());
        if (close) calls.push_back(make(Op::session_write_close));
        return std::make_shared<const Overlap>(std::move(calls));
      },
      rc::gen::mapcat(rc::gen::inRange<std::size_t>(1, 3),
                      [change](std::size_t n) {
                        return rc::gen::container<std::vector<ScriptCall>>(n, change);
                      }),
      rc::gen::element(true, false));
}

}  // namespace

rc::Gen<CommandPtr> gen_command(const GenState& s) {
  const bool on = s.active;
  auto w = [on](std::size_t active, std::size_t idle) { return on ? active : idle; };
  // An untouched active session is where an overlapping request finds stale-data bugs, and
  // ending the request right after one is where they show.
  const bool fresh = on && !s.dirty;
  const bool pending = s.overlapped && !s.dirty;
  return rc::gen::weightedOneOf<CommandPtr>({
      {w(1, 10), gen_start()},
      {w(6, 1), gen_data(Op::set, true)},
      {w(3, 1), gen_data(Op::push, true)},
      {w(3, 1), gen_data(Op::incr, false)},
      {w(2, 1), gen_data(Op::unset, false)},
      {pending ? 12u : w(3, 1), just(Op::session_write_close)},
      {1, just(Op::session_abort)},
      {w(2, 1), gen_regenerate()},
      {1, just(Op::session_reset)},
      {w(0, 2), gen_set_id()},
      {w(2, 1), just(Op::session_destroy)},
      {1, just(Op::session_gc)},
      {1, gen_create_id()},
      {2, gen_advance()},
      {pending ? 12u : w(2, 4), gen_new_request()},
      {1, rc::gen::just(CommandPtr(std::make_shared<const Probe>()))},
      {s.overlap ? (fresh ? 10u : w(1, 1)) : 0u, gen_overlap()},
  });
}

std::size_t run_commands(const CommandSequence& commands, const GenState& initial,
                         Harness& harness) {
  GenState state = initial;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    try {
      commands[i]->run(state, harness);
    } catch (const rc::detail::CaseResult&) {
      return i;
    }
    commands[i]->apply(state);
  }
  return commands.size();
}

}  // namespace ss::properties
