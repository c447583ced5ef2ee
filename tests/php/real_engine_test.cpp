// Real-engine mode: PHP's own session modules judged by the reference store and the model
// (oracle/real_engine.hpp), and races between real PHP processes (oracle/race_runner.hpp).
// Every real test runs real php8.2-cli (`php -n`); the phpredis tests need a redis-server on
// 127.0.0.1:$REDIS_PORT (the ctest fixture `redis`) and skip without it.

#include "oracle/real_engine.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "model/engine.hpp"
#include "model/proc.hpp"
#include "oracle/php_events.hpp"
#include "oracle/php_module.hpp"
#include "oracle/race_runner.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::oracle {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using ss::test::source_dir;

scenarios::Scenario parse(const std::string& text) {
  auto parsed = scenarios::parse_scenario(text, "test.scn");
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) ADD_FAILURE() << e->str();
  return std::get<scenarios::Scenario>(std::move(parsed));
}

PhpModuleUri module(const std::string& uri) {
  std::string error;
  auto m = parse_php_module_uri(uri, error);
  EXPECT_TRUE(m) << error;
  return m.value_or(PhpModuleUri{});
}

std::optional<std::string> redis_port() {
  const char* p = std::getenv("REDIS_PORT");
  if (p == nullptr || *p == '\0') return std::nullopt;
  return std::string(p);
}

/// Real PHP, a persistent worker and a private work directory for one test.
class RealPhp : public ::testing::Test {
 protected:
  void SetUp() override {
    setup_.harness_dir = source_dir() + "/oracle";
    setup_.work_dir = (fs::temp_directory_path() /
                       ("sessionspec-real-" + std::to_string(::getpid()) + "-" +
                        ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                          .string();
    fs::create_directories(setup_.work_dir);
    if (!php_runs(setup_)) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  }
  void TearDown() override {
    worker_.reset();
    std::error_code ec;
    fs::remove_all(setup_.work_dir, ec);
  }
  /// The setup for `m`, with a worker that loads what the module needs.
  OracleSetup with_worker(const PhpModuleUri& m) {
    OracleSetup s = setup_;
    s.php_args = m.php_args();
    if (!php_runs(s)) ADD_FAILURE() << "php cannot load " << m.uri;
    worker_ = std::make_unique<PhpWorker>(s);
    s.worker = worker_.get();
    return s;
  }
  OracleSetup setup_;
  std::unique_ptr<PhpWorker> worker_;
};

// ---- URIs ------------------------------------------------------------------------------------

TEST(PhpModuleUri, ParsesFilesAndRedisWithTheirGuarantees) {
  model::RunOptions opts;
  opts.gc_maxlifetime = 100;
  const auto files = module("php:files");
  EXPECT_EQ(files.module, "files");
  EXPECT_EQ(files.guarantees(opts).concurrency, handlers::Concurrency::serialised);
  EXPECT_EQ(files.guarantees(opts).store.expiry, model::Expiry::gc_only);
  EXPECT_TRUE(files.php_args().empty());

  const auto nolock = module("php:redis://127.0.0.1:6399");
  EXPECT_EQ(nolock.port, 6399);
  EXPECT_EQ(nolock.guarantees(opts).concurrency, handlers::Concurrency::last_writer_wins);
  EXPECT_EQ(nolock.guarantees(opts).store.expiry, model::Expiry::ttl);
  EXPECT_EQ(nolock.guarantees(opts).store.ttl_s, 100) << "phpredis expires by gc_maxlifetime";
  EXPECT_EQ(nolock.ini.at("redis.session.locking_enabled"), "0");
  EXPECT_FALSE(nolock.php_args().empty()) << "php -n must load phpredis";

  const auto lock = module("php:redis://localhost:6399?locking=1&lock_retries=-1&lock_wait_us=500");
  EXPECT_EQ(lock.host, "127.0.0.1") << "localhost is never resolved";
  EXPECT_EQ(lock.guarantees(opts).concurrency, handlers::Concurrency::serialised);
  EXPECT_EQ(lock.ini.at("redis.session.lock_retries"), "-1");
  EXPECT_EQ(lock.ini.at("redis.session.lock_wait_time"), "500");
}

TEST(PhpModuleUri, ParsesRedisClusterSeedsIntoPhpredisSavePath) {
  model::RunOptions opts;
  opts.gc_maxlifetime = 100;
  const auto cluster = module("php:rediscluster://127.0.0.1:7101,localhost:7102");
  EXPECT_EQ(cluster.module, "rediscluster");
  EXPECT_EQ(cluster.seeds, (std::vector<std::string>{"127.0.0.1:7101", "127.0.0.1:7102"}));
  EXPECT_EQ(cluster.guarantees(opts).concurrency, handlers::Concurrency::last_writer_wins)
      << "phpredis's default: no locking";
  EXPECT_EQ(cluster.ini.at("redis.session.locking_enabled"), "0");
  EXPECT_EQ(cluster.guarantees(opts).store.expiry, model::Expiry::ttl);
  EXPECT_EQ(cluster.guarantees(opts).store.ttl_s, 100);
  EXPECT_FALSE(cluster.php_args().empty()) << "php -n must load phpredis";
  const ModuleSetup store = cluster.isolated("/unused", "t");
  EXPECT_EQ(store.module, "rediscluster");
  EXPECT_EQ(store.save_path, "seed[]=127.0.0.1:7101&seed[]=127.0.0.1:7102&prefix=sessionspec-" +
                                 std::to_string(::getpid()) + "-t:");
  const auto locked = module("php:rediscluster://127.0.0.1:7101?locking=1&lock_retries=-1");
  EXPECT_EQ(locked.seeds.size(), 1U);
  EXPECT_EQ(locked.guarantees(opts).concurrency, handlers::Concurrency::serialised)
      << "as configured: whether the module keeps it is for L3 to find";
  EXPECT_EQ(locked.ini.at("redis.session.lock_retries"), "-1");
}

TEST(PhpModuleUri, RefusesMalformedUrisNamingThem) {
  for (const std::string uri :
       {"php:",
        "php:file",
        "php:files?x=1",
        "php:redis://",
        "php:redis://127.0.0.1",
        "php:redis://127.0.0.1:0",
        "php:redis://127.0.0.1:70000",
        "php:redis://10.0.0.1:6379",
        "php:redis://example.com:6379",
        "php:redis://127.0.0.1:6379?locking=2",
        "php:redis://127.0.0.1:6379?lock_retries=-2",
        "php:redis://127.0.0.1:6379?colour=red",
        "php:redis://127.0.0.1:6379?locking",
        "php:rediscluster://",
        "php:rediscluster:",
        "php:rediscluster:127.0.0.1:7101",
        "php:rediscluster://127.0.0.1:7101,",
        "php:rediscluster://127.0.0.1:7101,10.0.0.1:7102",
        "php:rediscluster://127.0.0.1",
        "php:rediscluster://127.0.0.1:7101?locking=2",
        "php:rediscluster://127.0.0.1:7101?colour=red",
        "php:redis-cluster://127.0.0.1:7101",
        "php:rediscluster://127.0.0.1:1,127.0.0.1:2,127.0.0.1:3,127.0.0.1:4,127.0.0.1:5,"
        "127.0.0.1:6,127.0.0.1:7,127.0.0.1:8,127.0.0.1:9,127.0.0.1:10,127.0.0.1:11,127.0.0.1:12,"
        "127.0.0.1:13,127.0.0.1:14,127.0.0.1:15,127.0.0.1:16,127.0.0.1:17"}) {
    std::string error;
    EXPECT_FALSE(parse_php_module_uri(uri, error)) << uri;
    EXPECT_NE(error.find("'" + uri + "'"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
  }
}

// ---- PHP traces as events --------------------------------------------------------------------

TEST(PhpEvents, ConvertsWhatPhpWrote) {
  const auto sc =
      parse("request cookie=abc\n  session_start\n  advance 30\n  get x\n  session_write_close\n");
  const std::vector<json> php = {
      json::parse(R"({"request":1,"seq":0,"step":0,"kind":"request","name":"request",
                      "args":["abc"],"result":null})"),
      json::parse(R"({"request":1,"seq":1,"step":1,"kind":"script","name":"session_start",
                      "args":[],"result":true,"diagnostics":[{"level":"notice","message":"n"}],
                      "status":"active","id":"abc","session":"a:1:{s:1:\"x\";s:1:\"\u00ff\";}",
                      "bin":true})"),
      json::parse(R"({"request":1,"seq":2,"step":1,"kind":"handler","name":"gc","args":[100],
                      "result":-1})"),
      json::parse(R"({"request":1,"seq":3,"step":2,"kind":"script","name":"advance","args":[30],
                      "result":null,"diagnostics":[],"status":"active","id":"abc","session":null})"),
      json::parse(R"({"request":1,"seq":4,"step":3,"kind":"script","name":"get","args":["x"],
                      "result":{"php":"d:1.5;"},"diagnostics":[],"status":"active","id":"abc",
                      "session":null})"),
      json::parse(R"({"request":1,"seq":5,"step":4,"kind":"handler","name":"write",
                      "args":["abc",""],"result":false})"),
  };
  auto events = events_from_php(sc, php);
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 6u);
  const auto& e = *events;
  EXPECT_EQ(e[0].request_event().cookie, "abc");
  EXPECT_EQ(e[1].script().call, &sc.requests[0].steps[0].call);
  EXPECT_EQ(e[1].script().state.status, model::Status::active);
  ASSERT_TRUE(e[1].script().state.session);
  EXPECT_EQ(*e[1].script().state.session->find("x"), model::Value(std::string("\xff")))
      << "bin bytes";
  ASSERT_EQ(e[1].script().outcome.diagnostics.size(), 1u);
  EXPECT_EQ(e[1].script().outcome.diagnostics[0].level, model::Diagnostic::Level::notice);
  EXPECT_EQ(e[2].handler().call.args, std::vector<std::string>{"100"}) << "gc's int arg as decimal";
  EXPECT_EQ(e[2].handler().answer.kind, model::Answer::Kind::integer);
  EXPECT_EQ(e[2].handler().now_s, sc.clock_start_s);
  EXPECT_EQ(e[4].script().outcome.result, model::Value(1.5));
  EXPECT_EQ(e[5].handler().answer.kind, model::Answer::Kind::failure)
      << "PHP's false is a failed call";
  EXPECT_EQ(e[5].handler().now_s, sc.clock_start_s + 30) << "advance moved the virtual clock";
}

TEST(PhpEvents, RefusesAnEventTheScenarioDoesNotHave) {
  const auto sc = parse("request\n  session_start\n");
  const auto events = events_from_php(
      sc, {json::parse(R"({"request":1,"step":2,"kind":"script","name":"get","args":[],
                           "result":null})")});
  ASSERT_FALSE(events);
  EXPECT_NE(events.error().message.find("step 2"), std::string::npos) << events.error().message;
}

// ---- real-engine mode ------------------------------------------------------------------------

TEST_F(RealPhp, FilesModuleAgreesOnTheGist) {
  const auto m = module("php:files");
  const auto setup = with_worker(m);
  auto parsed = scenarios::load_scenario(source_dir() + "/scenarios/gist/3-regenerate.scn");
  ASSERT_TRUE(std::holds_alternative<scenarios::Scenario>(parsed));
  auto r = run_real_engine(std::get<scenarios::Scenario>(parsed), m,
                           m.isolated(setup.work_dir, "t"), setup, 1, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->failure) << r->failure->str();
  bool create_sid = false;
  for (const auto& e : r->php) create_sid = create_sid || e.value("name", "") == "create_sid";
  EXPECT_TRUE(create_sid) << "regenerate asks the real module for an id";
}

// The judging can fail on real PHP: the files module creates an empty session file when it reads
// an unknown id, which a later gc() counts (the reference store creates nothing).
TEST_F(RealPhp, FilesModuleLeavesAFileForAReadOfAnUnknownId) {
  const auto m = module("php:files");
  const auto setup = with_worker(m);
  const auto sc = parse(
      "ini gc_maxlifetime=100\n"
      "request cookie=none\n  session_start read_and_close=1\n"
      "request cookie=none\n  advance 3000\n  session_start\n  session_gc\n");
  auto r = run_real_engine(sc, m, m.isolated(setup.work_dir, "t"), setup, 1, {});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->failure);
  EXPECT_NE(r->failure->what.find("gc("), std::string::npos) << r->failure->str();
  EXPECT_EQ(r->failure->actual, "1") << r->failure->str();
}

// phpredis answers gc() with -1, where a TTL store's count is 0: a failure of the module. And
// real PHP showed the model wrong here: session_gc() is then false, not the count. The model now
// says the same.
TEST_F(RealPhp, PhpredisGcIsMinusOneAndSessionGcFalse) {
  const auto port = redis_port();
  if (!port) GTEST_SKIP() << "REDIS_PORT is not set (the ctest fixture `redis` sets it)";
  const auto m = module("php:redis://127.0.0.1:" + *port + "?locking=0");
  const auto setup = with_worker(m);
  const auto sc = parse("store s1 \"a|i:1;\"\nrequest cookie=s1\n  session_start\n  session_gc\n");
  auto r = run_real_engine(sc, m, m.isolated(setup.work_dir, "t"), setup, 1, {});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->failure);
  EXPECT_EQ(r->failure->actual, "-1") << r->failure->str();
  json gc, session_gc;
  for (const auto& e : r->php) {
    if (e.value("name", "") == "gc") gc = e["result"];
    if (e.value("name", "") == "session_gc") session_gc = e["result"];
  }
  EXPECT_EQ(gc, -1);
  EXPECT_EQ(session_gc, false) << "what real PHP returns";

  model::Rng rng(1);
  auto engine = model::make_engine(
      model::EngineKind::php82, {model::RunOptions{}, model::Variant::sessionhandler, "s1"}, rng);
  const auto drive = [](model::Proc<model::Outcome> proc, const model::Answer& gc_answer) {
    model::Machine<model::Outcome> machine(std::move(proc));
    machine.start();
    while (const model::HandlerCall* call = machine.pending()) {
      if (call->method == model::Method::gc) {
        machine.resume(gc_answer);
      } else if (call->method == model::Method::read) {
        machine.resume(model::Answer::string_("a|i:1;"));
      } else {
        machine.resume(model::Answer::boolean_(true));
      }
    }
    return machine.result();
  };
  (void)drive(engine->begin_request(), model::Answer::integer_(0));
  model::ScriptCall start, gc_call;
  start.op = model::Op::session_start;
  gc_call.op = model::Op::session_gc;
  EXPECT_EQ(drive(engine->script(start), model::Answer::integer_(0)).result, model::Value(true));
  EXPECT_EQ(drive(engine->script(gc_call), model::Answer::integer_(-1)).result, model::Value(false))
      << "the model's session_gc() for gc() = -1";
}

// ---- races between real processes ------------------------------------------------------------

const char* const two_tabs =
    "store tabsession \"n|i:5;\"\n"
    "concurrent\n"
    "request name=tab1 cookie=tabsession\n  session_start\n  incr n\n  session_write_close\n"
    "request name=tab2 cookie=tabsession\n  session_start\n  incr n\n  session_write_close\n";

/// tab2 reads (and, with a lock, holds the session); tab1 then tries to read: blocked on a
/// locking module, not on one without a lock; then tab2 writes and closes.
const char* const tab1_reads_while_tab2_holds = "1x3.0x3.1x2";

std::string read_by(const sched::ScheduleRun& run, const std::string& lane) {
  for (const auto& e : run.events) {
    if (e.lane == lane && e.kind() == scenarios::EventKind::handler &&
        e.handler().call.method == model::Method::read) {
      return e.handler().answer.s;
    }
  }
  return "(no read)";
}

TEST_F(RealPhp, FilesLockMakesTheSecondTabWait) {
  const auto sc = parse(two_tabs);
  auto made = RaceRunner::make(sc, module("php:files"), setup_, {}, 1);
  ASSERT_TRUE(made) << made.error().message;
  auto& runner = made.value();
  const auto run = runner->replay(*sched::parse_schedule(tab1_reads_while_tab2_holds));
  ASSERT_EQ(run.sched.end, sched::RunEnd::finished);
  EXPECT_EQ(read_by(run, "tab1"), "n|i:6;") << "tab1 waited for tab2's close";
  ASSERT_TRUE(run.final_state);
  EXPECT_EQ(run.final_state->show(), "{tabsession: a:1:{s:1:\"n\";i:7;}}");
  EXPECT_TRUE(run.violations.empty()) << run.violations.front().detail;
  EXPECT_EQ(runner->processes(), 6u) << "two serial orders and the run, two processes each";
}

TEST_F(RealPhp, PhpredisWithoutLockLosesTheUpdate) {
  const auto port = redis_port();
  if (!port) GTEST_SKIP() << "REDIS_PORT is not set (the ctest fixture `redis` sets it)";
  const auto sc = parse(two_tabs);
  auto made =
      RaceRunner::make(sc, module("php:redis://127.0.0.1:" + *port + "?locking=0"), setup_, {}, 1);
  ASSERT_TRUE(made) << made.error().message;
  auto& runner = made.value();
  const auto run = runner->replay(*sched::parse_schedule(tab1_reads_while_tab2_holds));
  EXPECT_EQ(read_by(run, "tab1"), "n|i:5;") << "nothing made tab1 wait";
  ASSERT_TRUE(run.final_state);
  EXPECT_EQ(run.final_state->show(), "{tabsession: a:1:{s:1:\"n\";i:6;}}");
  ASSERT_EQ(run.violations.size(), 1u);
  EXPECT_EQ(run.violations[0].property, "lost-update");
  EXPECT_FALSE(run.violations[0].failure) << "a finding under last-writer-wins";
}

TEST_F(RealPhp, PhpredisLockThatWaitsSerialises) {
  const auto port = redis_port();
  if (!port) GTEST_SKIP() << "REDIS_PORT is not set (the ctest fixture `redis` sets it)";
  const auto sc = parse(two_tabs);
  auto made = RaceRunner::make(
      sc, module("php:redis://127.0.0.1:" + *port + "?locking=1&lock_retries=-1"), setup_, {}, 1);
  ASSERT_TRUE(made) << made.error().message;
  auto& runner = made.value();
  const auto run = runner->replay(*sched::parse_schedule(tab1_reads_while_tab2_holds));
  EXPECT_EQ(read_by(run, "tab1"), "n|i:6;");
  ASSERT_TRUE(run.final_state);
  EXPECT_EQ(run.final_state->show(), "{tabsession: a:1:{s:1:\"n\";i:7;}}");
  EXPECT_TRUE(run.violations.empty()) << run.violations.front().detail;
}

// A request that waits forever for its own lock (session_reset() under phpredis's lock re-opens
// without closing) is a deadlock reported in bounded time, never a hang.
TEST_F(RealPhp, ADeadlockIsReportedNotAHang) {
  const auto port = redis_port();
  if (!port) GTEST_SKIP() << "REDIS_PORT is not set (the ctest fixture `redis` sets it)";
  const auto sc = parse(
      "store s1 \"n|i:1;\"\nconcurrent\n"
      "request name=A cookie=s1\n  session_start\n  session_reset\n  session_write_close\n"
      "request name=B cookie=none\n  session_start\n  session_write_close\n");
  RaceLimits limits;
  limits.deadlock_ms = 500;
  auto made =
      RaceRunner::make(sc, module("php:redis://127.0.0.1:" + *port + "?locking=1&lock_retries=-1"),
                       setup_, limits, 1);
  ASSERT_TRUE(made) << made.error().message;
  auto& runner = made.value();
  const auto t0 = std::chrono::steady_clock::now();
  const auto run = runner->replay(*sched::parse_schedule("0x9"));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_EQ(run.sched.end, sched::RunEnd::deadlock);
  ASSERT_FALSE(run.violations.empty());
  EXPECT_EQ(run.violations[0].property, "progress");
  EXPECT_NE(run.violations[0].detail.find("A blocked at 'read'"), std::string::npos)
      << run.violations[0].detail;
}

}  // namespace
}  // namespace ss::oracle
