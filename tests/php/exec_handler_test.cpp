// exec:COMMAND handlers (docs/handler-protocol.md): a child that crashes, hangs or answers
// garbage is a clear ErrorCode::connection failure in bounded time, never a hang; the child is
// killed with the backend; byte strings survive the protocol; the PHP adapter serves a real
// handler class.

#include "handlers/exec_handler.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "handlers/registry.hpp"
#include "tests/support/run_task.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::handlers {
namespace {

using ss::testing_support::run_task;
using Clock = std::chrono::steady_clock;

using ss::test::source_dir;

bool php_available() {
  return std::system("php -n -r 'exit(0);' >/dev/null 2>&1") == 0;
}

std::string child(const std::string& mode, int timeout_ms = 400) {
  return "exec:php -n " + source_dir() + "/tests/php/exec_child.php " + mode +
         "?timeout_ms=" + std::to_string(timeout_ms);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

class ExecHandler : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  }
  ManualClock clock{1700000000};
};

/// Makes the backend, then checks that the first call fails as `mode` should, quickly, and that
/// later calls fail fast with the same reason.
void expect_broken_on_first_call(const std::string& mode, const std::string& reason_part,
                                 ManualClock& clock) {
  auto made = make_backend(child(mode), 1, clock);
  ASSERT_TRUE(made) << made.error().reason;
  auto handler = made.value()->connect(RequestEnv{&clock, nullptr, 1});
  const auto t0 = Clock::now();
  const Status opened = run_task(handler->open("/tmp", "PHPSESSID"));
  EXPECT_LT(seconds_since(t0), 3.0) << mode;
  ASSERT_FALSE(opened.ok()) << mode;
  EXPECT_EQ(opened.error().code, ErrorCode::connection) << opened.error().reason;
  EXPECT_NE(opened.error().reason.find(reason_part), std::string::npos) << opened.error().reason;
  const auto t1 = Clock::now();
  const auto read = run_task(handler->read("abc"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().reason, opened.error().reason);
  EXPECT_LT(seconds_since(t1), 0.1);
}

TEST_F(ExecHandler, CrashingChildIsAConnectionFailure) {
  expect_broken_on_first_call("crash", "killed by signal 9", clock);
  expect_broken_on_first_call("exit", "exited with status 3", clock);
}

TEST_F(ExecHandler, HangingChildTimesOut) {
  expect_broken_on_first_call("hang", "no answer within 400 ms", clock);
}

TEST_F(ExecHandler, GarbledChildIsAConnectionFailure) {
  expect_broken_on_first_call("garble", "garbled answer to open: this is not json", clock);
  expect_broken_on_first_call("wrongid", "garbled answer to open", clock);
}

TEST_F(ExecHandler, BadGreetingFailsWhenTheBackendIsMade) {
  for (const char* mode : {"hang-hello", "garble-hello"}) {
    const auto t0 = Clock::now();
    auto made = make_backend(child(mode), 1, clock);
    EXPECT_LT(seconds_since(t0), 3.0) << mode;
    ASSERT_FALSE(made) << mode;
    EXPECT_EQ(made.error().code, ErrorCode::connection) << made.error().reason;
  }
  auto missing = make_backend("exec:/nonexistent/handler-binary", 1, clock);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().reason.find("exited with status 127"), std::string::npos)
      << missing.error().reason;
}

TEST_F(ExecHandler, HungChildIsKilledWithTheBackend) {
  auto made = make_backend(child("hang", 60'000), 1, clock);
  ASSERT_TRUE(made) << made.error().reason;
  const auto t0 = Clock::now();
  made.value().reset();  // a hung child that ignores stdin EOF must not keep us waiting
  EXPECT_LT(seconds_since(t0), 2.0);
}

// Issue #14, D1: a child that closes its stdout but keeps running used to hang the caller in a
// blocking waitpid(), whatever timeout_ms said.
TEST_F(ExecHandler, D1_ClosedStdoutEndsWithinTimeout) {
  auto made = make_backend(
      "exec:sh " + source_dir() + "/tests/php/exec_closes_stdout.sh" + "?timeout_ms=1000", 1,
      clock);
  ASSERT_TRUE(made) << made.error().reason;
  auto handler = made.value()->connect(RequestEnv{&clock, nullptr, 1});
  const auto t0 = Clock::now();
  const Status opened = run_task(handler->open("/tmp", "PHPSESSID"));
  EXPECT_LT(seconds_since(t0), 3.0);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::connection);
  EXPECT_NE(opened.error().reason.find("closed its stdout"), std::string::npos)
      << opened.error().reason;
  const auto t1 = Clock::now();
  made.value().reset();
  EXPECT_LT(seconds_since(t1), 2.0);
}

/// A backend whose hello declares `guarantees` (a JSON object, shell-quoted here).
Result<std::unique_ptr<Backend>> declaring(const std::string& guarantees, ManualClock& clock) {
  return make_backend(
      "exec:php -n " + source_dir() + "/tests/php/exec_child.php crash '" + guarantees + "'", 1,
      clock);
}

TEST_F(ExecHandler, HelloDeclaresGuarantees) {
  auto made = declaring(R"({"concurrency":"serialised","ttl_s":60,"expiry":"lazy"})", clock);
  ASSERT_TRUE(made) << made.error().reason;
  const Guarantees g = made.value()->guarantees();
  EXPECT_EQ(g.concurrency, Concurrency::serialised);
  EXPECT_EQ(g.store.expiry, model::Expiry::lazy);
  EXPECT_EQ(g.store.ttl_s, 60);
  EXPECT_EQ(g.store.ids, model::IdPolicy::undeclared);
  const auto by = made.value()->declared_by();
  EXPECT_EQ(by.size(), 3u);
  EXPECT_EQ(by.at("concurrency"), "the handler's hello");
  EXPECT_EQ(by.count("payload_bytes_max"), 0u);
  // Without a declaration: the stated defaults, nothing declared.
  auto plain = make_backend(child("crash"), 1, clock);
  ASSERT_TRUE(plain) << plain.error().reason;
  EXPECT_EQ(plain.value()->guarantees().concurrency, Concurrency::last_writer_wins);
  EXPECT_EQ(plain.value()->guarantees().store.expiry, model::Expiry::gc_only);
  EXPECT_TRUE(plain.value()->declared_by().empty());
}

TEST_F(ExecHandler, BadDeclaredGuaranteeFailsTheBackend) {
  const std::pair<const char*, const char*> bad[] = {
      {R"({"concurrency":"eventual"})", "concurrency=eventual is not serialised"},
      {R"({"ttl_s":"soon"})", "ttl_s=soon is not an integer"},
      {R"({"colour":"red"})", "unknown guarantee 'colour'"},
      {R"({"ttl_s":1.5})", "ttl_s=1.5 is not a string or an integer"},
      {R"(["serialised"])", "not an object"}};
  for (const auto& [declared, why] : bad) {
    auto made = declaring(declared, clock);
    ASSERT_FALSE(made) << declared;
    EXPECT_NE(made.error().reason.find(std::string("hello guarantees: ") + why), std::string::npos)
        << made.error().reason;
  }
}

TEST_F(ExecHandler, MalformedUrisAreRefused) {
  EXPECT_FALSE(make_backend("exec:php x?timeout_ms=0", 1, clock));
  EXPECT_FALSE(make_backend("exec:php x?timeout_ms=abc", 1, clock));
  auto processes = make_backend("exec:php x?timeout_ms=10&processes=some", 1, clock);
  ASSERT_FALSE(processes);
  EXPECT_NE(processes.error().reason.find("processes must be per-request or one, got 'some'"),
            std::string::npos)
      << processes.error().reason;
}

TEST(ExecBytes, EveryByteSurvives) {
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  EXPECT_EQ(exec_json_bytes(exec_bytes_json(all)), all);
  EXPECT_FALSE(exec_json_bytes(nlohmann::json("\u0100")));
  EXPECT_FALSE(exec_json_bytes(nlohmann::json(42)));
}

// The PHP adapter with the PDO/SQLite fixture, through the seam: per-request instances share the
// database, binary data round-trips, the virtual clock drives gc, capabilities are announced.
TEST_F(ExecHandler, PhpAdapterServesThePdoFixture) {
  const std::string src = source_dir();
  auto made = make_backend("exec:php " + src + "/adapters/php/serve.php " + src +
                               "/adapters/php/fixtures/PdoSqliteHandler.php PdoSqliteHandler",
                           1, clock);
  ASSERT_TRUE(made) << made.error().reason;
  const auto caps = made.value()->capabilities();
  EXPECT_TRUE(caps.create_sid && caps.validate_id && caps.update_timestamp);
  std::string bytes("a|s:3:\"\0\xff\n\";", 12);
  {
    auto h = made.value()->connect(RequestEnv{&clock, nullptr, 1});
    ASSERT_TRUE(run_task(h->open("", "PHPSESSID")).ok());
    auto id = run_task(h->create_sid());
    ASSERT_TRUE(id.ok()) << id.error().reason;
    ASSERT_TRUE(run_task(h->write("abc", bytes)).ok());
    EXPECT_FALSE(run_task(h->read("bad id")).ok());  // the fixture refuses ids as files does
  }
  clock.set(1700000000 + 2000);
  auto h = made.value()->connect(RequestEnv{&clock, nullptr, 2});
  ASSERT_TRUE(run_task(h->open("", "PHPSESSID")).ok());
  auto read = run_task(h->read("abc"));
  ASSERT_TRUE(read.ok()) << read.error().reason;
  EXPECT_EQ(read.value(), bytes);
  EXPECT_TRUE(run_task(h->validate_id("abc")).value());
  auto collected = run_task(h->gc(1440));
  ASSERT_TRUE(collected.ok());
  EXPECT_EQ(collected.value(), 1);
  EXPECT_EQ(run_task(h->read("abc")).value(), "");
}

}  // namespace
}  // namespace ss::handlers
