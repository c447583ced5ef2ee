// The engines' call sequences, driven by the reference store, against PHP 8.2's documented
// sequences (php-session-semantics.md) and the gist's recorded call lists.

#include "model/engine.hpp"

#include <gtest/gtest.h>

#include "model/store_model.hpp"

namespace ss::model {
namespace {

/// Drives an engine procedure with the reference store's answers and records the method names.
class Harness {
 public:
  explicit Harness(EngineKind kind, RequestContext ctx = {}) : rng_(7), kind_(kind), ctx_(ctx) {
    engine_ = make_engine(kind_, ctx_, rng_);
  }
  Outcome run(const ScriptCall& call) { return drive(engine_->script(call)); }
  Outcome end() { return drive(engine_->end_request()); }
  Engine& engine() { return *engine_; }
  std::vector<std::string> calls;
  StoreModel store;

 private:
  Outcome drive(Proc<Outcome> proc) {
    Machine<Outcome> m(std::move(proc));
    m.start();
    while (const HandlerCall* c = m.pending()) {
      calls.emplace_back(method_name(c->method));
      const std::string fresh =
          c->method == Method::create_sid ? "id" + std::to_string(++ids_) : std::string();
      Answer a = store.answer(*c, 1000, fresh);
      store.observe(*c, a, 1000);
      m.resume(a);
    }
    return m.result();
  }
  Rng rng_;
  EngineKind kind_;
  RequestContext ctx_;
  std::unique_ptr<Engine> engine_;
  int ids_ = 0;
};

ScriptCall op(Op o) {
  ScriptCall c;
  c.op = o;
  return c;
}

ScriptCall set(const std::string& k, Value v) {
  ScriptCall c;
  c.op = Op::set;
  c.key = k;
  c.value = std::move(v);
  return c;
}

using Calls = std::vector<std::string>;

TEST(Php82Engine, FirstStartCreatesIdThenReads) {
  Harness h(EngineKind::php82);
  Outcome o = h.run(op(Op::session_start));
  EXPECT_EQ(o.result, Value{true});
  EXPECT_EQ(h.calls, (Calls{"open", "create_sid", "read"}));
  EXPECT_EQ(h.engine().status(), Status::active);
  EXPECT_EQ(h.engine().set_cookies(), std::vector<std::string>{"id1"});
}

TEST(Php82Engine, EmptySessionAlwaysWritesEmptyString) {
  Harness h(EngineKind::php82);
  (void)h.run(op(Op::session_start));
  h.calls.clear();
  (void)h.run(op(Op::session_write_close));
  EXPECT_EQ(h.calls, (Calls{"write", "close"}));
  EXPECT_EQ(h.store.sessions().at("id1").data, "");
}

TEST(Php82Engine, UnchangedSessionIsOnlyTouched) {
  RequestContext ctx;
  ctx.cookie = "abc";
  Harness h(EngineKind::php82, ctx);
  h.store.put("abc", "foo|s:3:\"bar\";", 0);
  (void)h.run(op(Op::session_start));
  (void)h.run(op(Op::session_write_close));
  EXPECT_EQ(h.calls, (Calls{"open", "read", "updateTimestamp", "close"}));
  EXPECT_TRUE(h.engine().set_cookies().empty());
}

TEST(Php82Engine, BasicVariantWritesInsteadOfTouching) {
  RequestContext ctx;
  ctx.cookie = "abc";
  ctx.variant = Variant::basic;
  Harness h(EngineKind::php82, ctx);
  h.store.put("abc", "foo|s:3:\"bar\";", 0);
  (void)h.run(op(Op::session_start));
  (void)h.run(op(Op::session_write_close));
  EXPECT_EQ(h.calls, (Calls{"open", "read", "write", "close"}));
}

TEST(Php82Engine, RegenerateWritesOldClosesReopens) {
  Harness h(EngineKind::php82);
  (void)h.run(op(Op::session_start));
  (void)h.run(set("foo", "bar"));
  h.calls.clear();
  ScriptCall regen = op(Op::session_regenerate_id);
  (void)h.run(regen);
  EXPECT_EQ(h.calls, (Calls{"write", "close", "open", "create_sid", "read"}));
  h.calls.clear();
  (void)h.end();
  EXPECT_EQ(h.calls, (Calls{"write", "close"}));
  EXPECT_EQ(h.store.sessions().size(), 2u);
}

TEST(Php82Engine, RegenerateTrueDestroysOld) {
  Harness h(EngineKind::php82);
  (void)h.run(op(Op::session_start));
  h.calls.clear();
  ScriptCall regen = op(Op::session_regenerate_id);
  regen.flag = true;
  (void)h.run(regen);
  EXPECT_EQ(h.calls, (Calls{"destroy", "close", "open", "create_sid", "read"}));
}

TEST(Php82Engine, SessionIdWhileActiveIsRefused) {
  Harness h(EngineKind::php82);
  (void)h.run(op(Op::session_start));
  ScriptCall sid = op(Op::session_id);
  sid.text = "other";
  Outcome o = h.run(sid);
  EXPECT_EQ(o.result, Value{false});
  ASSERT_EQ(o.diagnostics.size(), 1u);
  EXPECT_EQ(o.diagnostics[0].message,
            "session_id(): Session ID cannot be changed when a session is active");
  EXPECT_EQ(h.engine().session_id(), "id1");
}

TEST(Php82Engine, ResetOpensAndReadsWithoutClose) {
  Harness h(EngineKind::php82);
  (void)h.run(op(Op::session_start));
  h.calls.clear();
  (void)h.run(op(Op::session_reset));
  EXPECT_EQ(h.calls, (Calls{"open", "read"}));
}

TEST(Php82Engine, StrictModeReplacesUnknownId) {
  RequestContext ctx;
  ctx.cookie = "unknown";
  ctx.options.use_strict_mode = true;
  Harness h(EngineKind::php82, ctx);
  (void)h.run(op(Op::session_start));
  EXPECT_EQ(h.calls, (Calls{"open", "validateId", "create_sid", "read"}));
  EXPECT_EQ(h.engine().set_cookies(), std::vector<std::string>{"id1"});
}

TEST(Php82Engine, ExceptionInWriteSuppressesClose) {
  Harness h(EngineKind::php82);
  (void)h.run(op(Op::session_start));
  // A store that throws on write: drive by hand.
  const ScriptCall close = op(Op::session_write_close);  // The engine refers to it until done.
  Machine<Outcome> m(h.engine().script(close));
  m.start();
  ASSERT_NE(m.pending(), nullptr);
  EXPECT_EQ(m.pending()->method, Method::write);
  m.resume(Answer::exception_("Exception: disk on fire"));
  ASSERT_TRUE(m.done());
  Outcome o = m.result();
  EXPECT_EQ(o.thrown, std::optional<std::string>("Exception: disk on fire"));
}

TEST(FaultPlan, AnswersTheNthCallOfAMethodOnly) {
  Fault second_read{Method::read, 2, Answer::string_("x"), "fault read#2 \"x\""};
  FaultPlan plan({second_read});
  EXPECT_FALSE(plan.take(Method::read));
  EXPECT_FALSE(plan.take(Method::write));
  auto a = plan.take(Method::read);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->s, "x");
  EXPECT_FALSE(plan.take(Method::read));
  EXPECT_TRUE(FaultPlan::reaches_handler(Method::open));
  EXPECT_FALSE(FaultPlan::reaches_handler(Method::read));
}

TEST(Php82Engine, BoolMethodsFollowMoUserTypeRules) {
  // mod_user's verify_bool: 0 passes and -1 fails, each with a deprecation; a string is a
  // TypeError that skips the close.
  for (const auto& [answer, result, diag] :
       {std::tuple{Answer::integer_(0), true, "deprecated"},
        std::tuple{Answer::integer_(-1), false, "deprecated"},
        std::tuple{Answer::string_("yes"), false, "TypeError"}}) {
    RequestContext ctx;
    Rng rng(1);
    auto engine = make_engine(EngineKind::php82, ctx, rng);
    // The coroutine reads its call when it first runs: the call must outlive this statement.
    const ScriptCall start = op(Op::session_start);
    Machine<Outcome> m(engine->script(start));
    m.start();
    std::vector<std::string> calls;
    while (const HandlerCall* c = m.pending()) {
      calls.emplace_back(method_name(c->method));
      m.resume(c->method == Method::open         ? answer
               : c->method == Method::read       ? Answer::string_("")
               : c->method == Method::create_sid ? Answer::string_("abc")
                                                 : Answer::boolean_(true));
    }
    const Outcome out = m.result();
    const std::string d(diag);
    if (d == "TypeError") {
      EXPECT_EQ(calls, Calls{"open"});
      EXPECT_EQ(out.thrown, std::optional<std::string>(
                                "TypeError: Session callback must have a return value of type "
                                "bool, string returned"));
    } else {
      ASSERT_FALSE(out.diagnostics.empty());
      EXPECT_EQ(out.diagnostics[0].level, Diagnostic::Level::deprecated);
      EXPECT_EQ(out.result, Value{result});
    }
  }
}

TEST(LegacyEngine, RegenerateOnlyCreatesId) {
  Harness h(EngineKind::legacy);
  (void)h.run(op(Op::session_start));
  h.calls.clear();
  (void)h.run(op(Op::session_regenerate_id));
  EXPECT_EQ(h.calls, (Calls{"create_sid"}));
}

TEST(ZealEngine, ReadMergeWriteAndNeverClose) {
  Harness h(EngineKind::zealphp);
  (void)h.run(op(Op::session_start));
  (void)h.run(set("x", 1));
  (void)h.end();
  EXPECT_EQ(h.calls, (Calls{"read", "read", "write"}));
}

}  // namespace
}  // namespace ss::model
