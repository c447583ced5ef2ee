// The Redis handler against a real redis-server (ctest's `redis` fixture starts one on
// REDIS_PORT): phpredis's key layout and TTLs, virtual-time expiry, the three concurrency modes
// driven by hand (two handler instances = two overlapping requests), refusal of non-loopback
// hosts, bounded failure when nothing listens, and interop with real PHP + phpredis both ways.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <utility>
#include <vector>

#include "handlers/factories.hpp"
#include "handlers/redis_handler.hpp"
#include "handlers/registry.hpp"
#include "tests/support/run_task.hpp"

namespace ss::handlers {
namespace {

using testing_support::run_task;

/// Counts blocked() calls without sleeping, and runs `on_point` at every scheduling point: the
/// test plays the other request there.
struct ScriptedPoints final : IoPoints {
  std::function<void(std::string_view)> on_point;
  int blocked_calls = 0;
  Task<void> point(std::string_view what) override {
    if (on_point) on_point(what);
    co_return;
  }
  Task<bool> blocked(std::string_view, int) override {
    ++blocked_calls;
    co_return true;
  }
};

int redis_port() {
  const char* p = std::getenv("REDIS_PORT");
  return p != nullptr ? std::atoi(p) : 0;
}

/// A plain hiredis connection: the "other process" of the tests.
class RawRedis {
 public:
  explicit RawRedis(int port) : ctx_(redisConnect("127.0.0.1", port)) {}
  ~RawRedis() {
    if (ctx_ != nullptr) redisFree(ctx_);
  }
  [[nodiscard]] bool ok() const { return ctx_ != nullptr && ctx_->err == 0; }
  /// Runs a command; strings and status replies come back as text, integers in decimal, nil as
  /// "(nil)".
  std::string cmd(const std::vector<std::string>& argv) {
    std::vector<const char*> p;
    std::vector<std::size_t> n;
    for (const auto& a : argv) {
      p.push_back(a.data());
      n.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(argv.size()), p.data(), n.data()));
    if (r == nullptr) return "(connection error)";
    std::string out = "(nil)";
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
        r->type == REDIS_REPLY_ERROR) {
      out = std::string(r->str, r->len);
    } else if (r->type == REDIS_REPLY_INTEGER) {
      out = std::to_string(r->integer);
    }
    freeReplyObject(r);
    return out;
  }

 private:
  redisContext* ctx_;
};

RedisConfig config_of(const std::string& uri) {
  std::string err;
  auto parsed = parse_handler_uri(uri, err);
  EXPECT_TRUE(parsed) << err;
  auto c = parse_redis_config(*parsed);
  EXPECT_TRUE(c) << c.error().reason;
  return c ? c.value() : RedisConfig{};
}

class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = redis_port();
    if (port_ == 0) {
      GTEST_SKIP() << "REDIS_PORT is not set: run through ctest, whose `redis` fixture starts "
                      "redis-server on 127.0.0.1:6399";
    }
    raw_ = std::make_unique<RawRedis>(port_);
    ASSERT_TRUE(raw_->ok()) << "REDIS_PORT=" << port_ << " but nothing answers there";
    // Unique per test and process, so parallel ctest runs never share keys.
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      if (std::isalnum(static_cast<unsigned char>(c))) id_ += c;
    }
    id_ += "-" + std::to_string(::getpid());
    raw_->cmd({"DEL", key(), lock_key()});
  }
  void TearDown() override {
    if (raw_) raw_->cmd({"DEL", key(), lock_key()});
  }
  std::string key() const { return "PHPREDIS_SESSION:" + id_; }
  std::string lock_key() const { return key() + "_LOCK"; }
  std::unique_ptr<RedisBackend> backend(const std::string& query, Clock& clock) {
    return std::make_unique<RedisBackend>(
        config_of("redis://127.0.0.1:" + std::to_string(port_) + query), 7, clock);
  }
  std::unique_ptr<SessionHandler> request(RedisBackend& b, std::uint64_t n) {
    return b.connect(RequestEnv{&clock_, &points_, n});
  }

  int port_ = 0;
  std::unique_ptr<RawRedis> raw_;
  std::string id_;
  ManualClock clock_{1'700'000'000};
  ScriptedPoints points_;
};

// ---------------------------------------------------------------------------------------------
// Configuration: parameters, and the loopback-only rule.

TEST(RedisConfigTest, DefaultsFollowPhpredis) {
  RedisConfig c = config_of("redis://127.0.0.1:6399");
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 6399);
  EXPECT_EQ(c.db, 0);
  EXPECT_EQ(c.mode, RedisMode::none);
  EXPECT_EQ(c.ttl_s, 1440);
  EXPECT_EQ(c.retries, 3);
  EXPECT_EQ(c.prefix, "PHPREDIS_SESSION:");
}

TEST(RedisConfigTest, ReadsEveryParameter) {
  RedisConfig c = config_of(
      "redis://localhost:7000/3?mode=lock&ttl_s=60&timeout_ms=250&lock_wait_ms=40"
      "&lock_ttl_ms=900&retries=0&prefix=app:");
  EXPECT_EQ(c.host, "127.0.0.1") << "localhost is never resolved";
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.db, 3);
  EXPECT_EQ(c.mode, RedisMode::lock);
  EXPECT_EQ(c.ttl_s, 60);
  EXPECT_EQ(c.timeout_ms, 250);
  EXPECT_EQ(c.lock_wait_ms, 40);
  EXPECT_EQ(c.lock_ttl_ms, 900);
  EXPECT_EQ(c.retries, 0);
  EXPECT_EQ(c.prefix, "app:");
  EXPECT_EQ(config_of("redis://[::1]:6390?mode=optimistic").host, "::1");
  EXPECT_EQ(config_of("redis://127.8.9.10:1").host, "127.8.9.10");
}

TEST(RedisConfigTest, RejectsBadParameters) {
  ManualClock clock(0);
  for (const char* uri :
       {"redis://127.0.0.1:6399?mode=pessimistic", "redis://127.0.0.1:6399?ttl_s=0",
        "redis://127.0.0.1:6399?retries=-1", "redis://127.0.0.1:99999", "redis://127.0.0.1:6399/x",
        "redis://127.0.0.1:6399?colour=blue"}) {
    std::string err;
    auto parsed = parse_handler_uri(uri, err);
    ASSERT_TRUE(parsed) << uri;
    auto made = make_redis_backend(*parsed, 1, clock);
    ASSERT_FALSE(made) << uri;
    EXPECT_EQ(made.error().code, ErrorCode::unsupported) << uri;
  }
}

TEST(RedisConfigTest, RefusesNonLoopbackHostsBeforeConnecting) {
  ManualClock clock(0);
  for (const char* uri : {"redis://10.0.0.1:6379", "redis://192.168.1.20:6379",
                          "redis://0.0.0.0:6379", "redis://redis.example.com:6379",
                          "redis://[::ffff:10.0.0.1]:6379", "redis://[2001:db8::1]:6379"}) {
    std::string err;
    auto parsed = parse_handler_uri(uri, err);
    ASSERT_TRUE(parsed) << uri;
    auto made = make_redis_backend(*parsed, 1, clock);
    ASSERT_FALSE(made) << uri;
    EXPECT_EQ(made.error().code, ErrorCode::unsupported) << uri;
    EXPECT_NE(made.error().reason.find("loopback"), std::string::npos) << made.error().reason;
  }
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.255.0.9"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("128.0.0.1"));
  EXPECT_FALSE(is_loopback_host("localhost.example.com"));
}

/// A loopback port nothing listens on: bound, then closed again.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(RedisConnectionTest, RefusedConnectionFailsQuicklyWithTheReason) {
  ManualClock clock(0);
  IoPoints points;
  const std::string uri = "redis://127.0.0.1:" + std::to_string(closed_port()) + "?timeout_ms=500";
  const auto start = std::chrono::steady_clock::now();
  std::string err;
  auto made = make_redis_backend(*parse_handler_uri(uri, err), 1, clock);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, ErrorCode::connection);
  EXPECT_NE(made.error().reason.find("refused"), std::string::npos) << made.error().reason;
  RedisBackend backend(config_of(uri), 1, clock);
  auto h = backend.connect(RequestEnv{&clock, &points, 1});
  auto opened = run_task(h->open("", "PHPSESSID"));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::connection);
  auto read = run_task(h->read("abc"));
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, ErrorCode::connection);
  // Malformed ids are refused before any command, so not even a connection is attempted.
  auto bad = run_task(h->read("../etc"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_id);
  // Bounded: well under the 500 ms timeout per attempt (the loopback refuses at once).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

/// A listening socket on an ephemeral loopback port that never answers: connections complete in
/// the kernel's backlog, and the test accepts (counts) and closes them when it likes.
class SilentListener {
 public:
  SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(std::exchange(fd_, -1));
    }
    port_ = ntohs(a.sin_port);
  }
  ~SilentListener() {
    for (int c : accepted_) ::close(c);
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int port() const { return fd_ >= 0 ? port_ : 0; }
  /// Accepts every connection waiting in the backlog; returns how many there were.
  int accept_waiting() {
    int n = 0;
    for (int c; (c = ::accept(fd_, nullptr, nullptr)) >= 0; ++n) accepted_.push_back(c);
    return n;
  }
  /// Closes the server side of every accepted connection, as a restarted server would.
  void close_accepted() {
    for (int c : accepted_) ::close(c);
    accepted_.clear();
  }

 private:
  int fd_;
  int port_ = 0;
  std::vector<int> accepted_;
};

// Requests of one backend reuse the connection of a finished request (phpredis's persistent
// connections) instead of connecting again, but never one the server has closed meanwhile.
TEST(RedisConnectionTest, FinishedRequestsConnectionIsReusedUnlessTheServerClosedIt) {
  SilentListener server;
  ASSERT_NE(server.port(), 0);
  ManualClock clock(0);
  IoPoints points;
  RedisBackend backend(config_of("redis://127.0.0.1:" + std::to_string(server.port())), 1, clock);
  auto open_one = [&](std::uint64_t n) {
    auto h = backend.connect(RequestEnv{&clock, &points, n});
    return run_task(h->open("", "PHPSESSID")).ok();  // connects (db 0: no command is sent)
  };
  ASSERT_TRUE(open_one(1));
  EXPECT_EQ(server.accept_waiting(), 1);
  ASSERT_TRUE(open_one(2));
  ASSERT_TRUE(open_one(3));
  EXPECT_EQ(server.accept_waiting(), 0) << "a later request connected again";
  server.close_accepted();
  ASSERT_TRUE(open_one(4));
  EXPECT_EQ(server.accept_waiting(), 1) << "a request reused a connection the server closed";
  // Two requests at once each have a connection of their own.
  auto a = backend.connect(RequestEnv{&clock, &points, 5});
  auto b = backend.connect(RequestEnv{&clock, &points, 6});
  ASSERT_TRUE(run_task(a->open("", "PHPSESSID")).ok());
  ASSERT_TRUE(run_task(b->open("", "PHPSESSID")).ok());
  EXPECT_EQ(server.accept_waiting(), 1) << "two overlapping requests shared one connection";
}

TEST_F(RedisTest, FreshEmptiesOnlyItsOwnPrefix) {
  const std::string prefix = "ss-fresh*[" + id_ + "]:";
  raw_->cmd({"SET", prefix + "a", "1"});
  raw_->cmd({"SET", prefix + "b_LOCK", "1"});
  raw_->cmd({"SET", key(), "kept"});
  raw_->cmd({"SET", "ss-fresh-x" + id_, "kept"});  // would match an unescaped '*'
  ManualClock clock(0);
  std::string err;
  auto made = make_redis_backend(
      *parse_handler_uri("redis://127.0.0.1:" + std::to_string(port_) + "?fresh=1&prefix=" + prefix,
                         err),
      1, clock);
  ASSERT_TRUE(made) << made.error().reason;
  EXPECT_EQ(raw_->cmd({"EXISTS", prefix + "a", prefix + "b_LOCK"}), "0");
  EXPECT_EQ(raw_->cmd({"GET", key()}), "kept");
  EXPECT_EQ(raw_->cmd({"GET", "ss-fresh-x" + id_}), "kept");
  raw_->cmd({"DEL", "ss-fresh-x" + id_});
}

// Issue #14, D20: `prefix=` with `fresh=1` matched every key of the database and deleted them all.
TEST_F(RedisTest, D20_EmptyPrefixNeverFlushesTheDatabase) {
  const std::string unrelated = "ss-d20-unrelated-" + id_;
  raw_->cmd({"SET", unrelated, "kept"});
  ManualClock clock(0);
  const std::string uri = "redis://127.0.0.1:" + std::to_string(port_) + "?prefix=&fresh=1";
  auto made = make_backend(uri, 1, clock);
  EXPECT_EQ(raw_->cmd({"GET", unrelated}), "kept") << "fresh=1 under an empty prefix flushed it";
  ASSERT_FALSE(made) << "an empty prefix with fresh=1 was accepted";
  EXPECT_EQ(made.error().code, ErrorCode::unsupported);
  EXPECT_NE(made.error().reason.find("empty prefix"), std::string::npos) << made.error().reason;
  raw_->cmd({"DEL", unrelated});
}

// ---------------------------------------------------------------------------------------------
// Storage against the server.

TEST_F(RedisTest, StoresExactBytesUnderThePhpredisKeyWithItsTtl) {
  RealClock real;
  auto b = backend("?ttl_s=600", real);
  auto h = b->connect(RequestEnv{&real, &points_, 1});
  ASSERT_TRUE(run_task(h->open("", "PHPSESSID")));
  EXPECT_EQ(run_task(h->read(id_)).value(), "");
  EXPECT_EQ(raw_->cmd({"EXISTS", key()}), "0") << "reading an unknown id creates nothing";
  const std::string data("a|s:3:\"x\0y\";", 13);
  ASSERT_TRUE(run_task(h->write(id_, data)));
  EXPECT_EQ(raw_->cmd({"GET", key()}), data);
  const long ttl_ms = std::stol(raw_->cmd({"PTTL", key()}));
  EXPECT_GT(ttl_ms, 598'000);
  EXPECT_LE(ttl_ms, 601'000);
  EXPECT_EQ(run_task(h->read(id_)).value(), data);
  EXPECT_TRUE(run_task(h->validate_id(id_)).value());
  EXPECT_EQ(run_task(h->gc(1)).value(), 0) << "the TTL expires sessions, not gc";
  ASSERT_TRUE(run_task(h->destroy(id_)));
  EXPECT_EQ(raw_->cmd({"EXISTS", key()}), "0");
  EXPECT_TRUE(run_task(h->destroy(id_))) << "destroying an unknown id succeeds";
  EXPECT_FALSE(run_task(h->validate_id(id_)).value());
  auto sid = run_task(h->create_sid());
  ASSERT_TRUE(sid);
  EXPECT_EQ(sid.value().size(), 26u);
  EXPECT_EQ(raw_->cmd({"EXISTS", "PHPREDIS_SESSION:" + sid.value()}), "0");
  auto bad = run_task(h->write("bad id", "x"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_id);
}

TEST_F(RedisTest, ExpiresInVirtualTime) {
  auto b = backend("?ttl_s=100", clock_);
  auto h = request(*b, 1);
  ASSERT_TRUE(run_task(h->write(id_, "n|i:1;")));
  clock_.advance(100);
  EXPECT_EQ(run_task(h->read(id_)).value(), "n|i:1;") << "alive at exactly ttl_s";
  EXPECT_TRUE(run_task(h->validate_id(id_)).value());
  clock_.advance(1);
  EXPECT_EQ(run_task(h->read(id_)).value(), "") << "expired one second later";
  EXPECT_FALSE(run_task(h->validate_id(id_)).value());
  // updateTimestamp of an expired session stores the data afresh (PHP falls back to a write).
  ASSERT_TRUE(run_task(h->update_timestamp(id_, "n|i:2;")));
  EXPECT_EQ(run_task(h->read(id_)).value(), "n|i:2;");
}

TEST_F(RedisTest, UpdateTimestampExtendsTheTtlWithoutRewriting) {
  auto b = backend("?ttl_s=100", clock_);
  auto h = request(*b, 1);
  ASSERT_TRUE(run_task(h->write(id_, "n|i:1;")));
  clock_.advance(90);
  ASSERT_TRUE(run_task(h->update_timestamp(id_, "stale|i:0;")));
  EXPECT_EQ(raw_->cmd({"GET", key()}), "n|i:1;") << "a touch never rewrites the data";
  clock_.advance(90);
  EXPECT_EQ(run_task(h->read(id_)).value(), "n|i:1;");
  raw_->cmd({"DEL", key()});
  ASSERT_TRUE(run_task(h->update_timestamp(id_, "n|i:3;")));
  EXPECT_EQ(raw_->cmd({"GET", key()}), "n|i:3;") << "a touch of a missing key writes the data";
}

TEST_F(RedisTest, NoneModeIsLastWriterWins) {
  auto b = backend("?mode=none", clock_);
  EXPECT_EQ(b->guarantees().concurrency, Concurrency::last_writer_wins);
  EXPECT_EQ(b->guarantees().store.expiry, model::Expiry::ttl);
  auto a = request(*b, 1);
  auto c = request(*b, 2);
  ASSERT_TRUE(run_task(a->read(id_)));
  ASSERT_TRUE(run_task(c->read(id_)));
  ASSERT_TRUE(run_task(c->write(id_, "b|i:2;")));
  ASSERT_TRUE(run_task(a->write(id_, "a|i:1;")));
  EXPECT_EQ(raw_->cmd({"GET", key()}), "a|i:1;");
}

// ---------------------------------------------------------------------------------------------
// `optimistic`: WATCH / MULTI / EXEC with a three-way merge.

TEST_F(RedisTest, OptimisticMergesOverlappingRequestsThatChangedDisjointKeys) {
  auto b = backend("?mode=optimistic", clock_);
  EXPECT_EQ(b->guarantees().concurrency, Concurrency::merge_disjoint_keys);
  raw_->cmd({"SET", key(), "n|i:0;"});
  auto a = request(*b, 1);
  auto c = request(*b, 2);
  EXPECT_EQ(run_task(a->read(id_)).value(), "n|i:0;");
  EXPECT_EQ(run_task(c->read(id_)).value(), "n|i:0;");
  ASSERT_TRUE(run_task(c->write(id_, "n|i:0;b|s:1:\"B\";")));
  ASSERT_TRUE(run_task(a->write(id_, "n|i:0;a|s:1:\"A\";")));
  EXPECT_EQ(raw_->cmd({"GET", key()}), "n|i:0;b|s:1:\"B\";a|s:1:\"A\";");
}

TEST_F(RedisTest, OptimisticRefusesWhenRetriesRunOut) {
  auto b = backend("?mode=optimistic&retries=0", clock_);
  auto a = request(*b, 1);
  EXPECT_EQ(run_task(a->read(id_)).value(), "");
  // Another request commits inside A's WATCH ... EXEC window, so EXEC aborts.
  int interferences = 0;
  points_.on_point = [&](std::string_view what) {
    if (what != "redis.watch") return;
    ++interferences;
    raw_->cmd({"SET", key(), "other|i:" + std::to_string(interferences) + ";"});
  };
  auto w = run_task(a->write(id_, "mine|i:1;"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::conflict);
  EXPECT_NE(w.error().reason.find("retries=0"), std::string::npos) << w.error().reason;
  EXPECT_EQ(interferences, 1);
  EXPECT_EQ(raw_->cmd({"GET", key()}), "other|i:1;") << "the refused write changed nothing";
}

TEST_F(RedisTest, OptimisticRetriesAreBoundedAndMergeOnRetry) {
  auto b = backend("?mode=optimistic&retries=2", clock_);
  auto a = request(*b, 1);
  EXPECT_EQ(run_task(a->read(id_)).value(), "");
  int interferences = 0;
  points_.on_point = [&](std::string_view) {
    if (++interferences > 2) return;
    raw_->cmd({"SET", key(), "other|i:" + std::to_string(interferences) + ";"});
  };
  ASSERT_TRUE(run_task(a->write(id_, "mine|i:1;")));
  EXPECT_EQ(interferences, 3) << "two aborted EXECs, then a committed one";
  EXPECT_EQ(raw_->cmd({"GET", key()}), "other|i:2;mine|i:1;");
  // Every attempt interfered with: 1 + retries attempts, then a conflict.
  auto c = request(*b, 2);
  EXPECT_EQ(run_task(c->read(id_)).value(), "other|i:2;mine|i:1;");
  interferences = 0;
  points_.on_point = [&](std::string_view) {
    raw_->cmd({"SET", key(), "x|i:" + std::to_string(++interferences) + ";"});
  };
  auto w = run_task(c->write(id_, "c|i:1;"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::conflict);
  EXPECT_EQ(interferences, 3);
}

TEST_F(RedisTest, OptimisticRefusesToMergeWhatIsNotPhpSerialized) {
  auto b = backend("?mode=optimistic", clock_);
  auto a = request(*b, 1);
  raw_->cmd({"SET", key(), "a|i:1;"});
  EXPECT_EQ(run_task(a->read(id_)).value(), "a|i:1;");
  raw_->cmd({"SET", key(), "a:1:{s:1:\"x\";i:2;}"});  // php_serialize format, from elsewhere
  auto w = run_task(a->write(id_, "a|i:2;"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::conflict);
  EXPECT_NE(w.error().reason.find("php serializer"), std::string::npos) << w.error().reason;
}

TEST_F(RedisTest, OptimisticWritesAsGivenWhenTheSessionExpiredOrNobodyElseWrote) {
  auto b = backend("?mode=optimistic&ttl_s=100", clock_);
  auto a = request(*b, 1);
  // Not the php format: fine as long as no merge is needed.
  ASSERT_TRUE(run_task(a->write(id_, std::string("\x01raw\0", 6))));
  EXPECT_EQ(run_task(a->read(id_)).value(), std::string("\x01raw\0", 6));
  ASSERT_TRUE(run_task(a->write(id_, "bytes")));
  clock_.advance(101);  // expired since the read: nothing to merge with
  ASSERT_TRUE(run_task(a->write(id_, "more bytes")));
  EXPECT_EQ(raw_->cmd({"GET", key()}), "more bytes");
  EXPECT_EQ(run_task(a->read(id_)).value(), "more bytes");
  clock_.advance(101);  // expired again: the lazy touch stores the data
  ASSERT_TRUE(run_task(a->update_timestamp(id_, "touched")));
  EXPECT_EQ(raw_->cmd({"GET", key()}), "touched");
}

// A session another request destroyed after this one read it is never brought back (logout
// undone, laravel#30996): neither the write nor the lazy touch, which falls back to a write,
// stores it again, and both say why. A request that read no session may still create it.
TEST_F(RedisTest, OptimisticRefusesToResurrectASessionDestroyedSinceTheRead) {
  auto b = backend("?mode=optimistic&ttl_s=100", clock_);
  ASSERT_TRUE(run_task(request(*b, 1)->write(id_, "uid|i:42;")));
  auto a = request(*b, 2);
  EXPECT_EQ(run_task(a->read(id_)).value(), "uid|i:42;");
  raw_->cmd({"DEL", key()});  // another request's session_destroy()
  auto w = run_task(a->write(id_, "uid|i:42;seen|i:1;"));
  ASSERT_FALSE(w) << "the write resurrected a destroyed session";
  EXPECT_EQ(w.error().code, ErrorCode::conflict);
  EXPECT_NE(w.error().reason.find("destroyed since this request read it"), std::string::npos)
      << w.error().reason;
  auto t = run_task(a->update_timestamp(id_, "uid|i:42;"));
  ASSERT_FALSE(t) << "the lazy touch resurrected a destroyed session";
  EXPECT_EQ(t.error().code, ErrorCode::conflict);
  EXPECT_EQ(raw_->cmd({"EXISTS", key()}), "0") << "the logged-out session came back";
  auto c = request(*b, 3);
  EXPECT_EQ(run_task(c->read(id_)).value(), "");
  ASSERT_TRUE(run_task(c->write(id_, "fresh|i:1;")));
  EXPECT_EQ(raw_->cmd({"GET", key()}), "fresh|i:1;");
}

// ---------------------------------------------------------------------------------------------
// `lock`: phpredis's spin lock.

TEST_F(RedisTest, LockMakesTheSecondRequestWaitThenTimeOut) {
  auto b = backend("?mode=lock&lock_wait_ms=50", clock_);
  EXPECT_EQ(b->guarantees().concurrency, Concurrency::serialised);
  auto a = request(*b, 1);
  ScriptedPoints b_points;
  auto c = b->connect(RequestEnv{&clock_, &b_points, 2});
  ASSERT_TRUE(run_task(a->read(id_)));
  EXPECT_EQ(raw_->cmd({"EXISTS", lock_key()}), "1") << "phpredis's lock key name";
  auto blocked = run_task(c->read(id_));
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, ErrorCode::timeout);
  EXPECT_EQ(b_points.blocked_calls, 5) << "lock_wait_ms=50 is 5 waits of 10 ms";
  ASSERT_TRUE(run_task(a->write(id_, "a|i:1;")));
  ASSERT_TRUE(run_task(a->close()));
  EXPECT_EQ(raw_->cmd({"EXISTS", lock_key()}), "0") << "close releases the lock";
  EXPECT_EQ(run_task(c->read(id_)).value(), "a|i:1;");
}

TEST_F(RedisTest, LockRefusesAWriteAfterTheLockWasStolen) {
  auto b = backend("?mode=lock&lock_wait_ms=0", clock_);
  auto a = request(*b, 1);
  auto c = request(*b, 2);
  ASSERT_TRUE(run_task(a->read(id_)));
  raw_->cmd({"DEL", lock_key()});  // expired, or deleted by an operator
  ASSERT_TRUE(run_task(c->read(id_))) << "the lock is free again";
  ASSERT_TRUE(run_task(c->write(id_, "c|i:1;")));
  auto w = run_task(a->write(id_, "a|i:1;"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::lock_lost);
  auto t = run_task(a->update_timestamp(id_, "a|i:1;"));
  EXPECT_FALSE(t) << "a touch is a write too";
  EXPECT_EQ(raw_->cmd({"GET", key()}), "c|i:1;");
  ASSERT_TRUE(run_task(a->close()));
  EXPECT_EQ(raw_->cmd({"EXISTS", lock_key()}), "1") << "only the owner releases a lock";
  ASSERT_TRUE(run_task(c->close()));
  EXPECT_EQ(raw_->cmd({"EXISTS", lock_key()}), "0");
}

TEST_F(RedisTest, LockIsReleasedByDestroyAndWhenTheRequestEndsWithoutClose) {
  auto b = backend("?mode=lock", clock_);
  {
    auto a = request(*b, 1);
    ASSERT_TRUE(run_task(a->read(id_)));
    EXPECT_EQ(raw_->cmd({"EXISTS", lock_key()}), "1");
  }
  EXPECT_EQ(raw_->cmd({"EXISTS", lock_key()}), "0") << "released when the handler goes away";
  auto a = request(*b, 2);
  ASSERT_TRUE(run_task(a->read(id_)));
  ASSERT_TRUE(run_task(a->destroy(id_)));
  EXPECT_EQ(raw_->cmd({"EXISTS", lock_key()}), "0") << "destroy releases the lock";
  auto lock_ms = std::stol(raw_->cmd({"PTTL", lock_key()}));
  EXPECT_EQ(lock_ms, -2);
}

// ---------------------------------------------------------------------------------------------
// Interop with real PHP and phpredis.

const char* php_redis_flags = "php -n -d extension=igbinary.so -d extension=redis.so ";

bool php_redis_available() {
  return std::system((std::string(php_redis_flags) +
                      "-r 'exit(extension_loaded(\"redis\") ? 0 : 1);' >/dev/null 2>&1")
                         .c_str()) == 0;
}

/// Runs `code` under PHP with phpredis as the session handler; returns its stderr.
std::string run_php(int port, const std::string& code, const std::string& extra_ini = "") {
  const std::string script = "/tmp/ss-redis-" + std::to_string(::getpid()) + ".php";
  std::ofstream(script) << "<?php\n" << code;
  const std::string cmd = std::string(php_redis_flags) + "-d session.save_handler=redis " +
                          "-d session.save_path=tcp://127.0.0.1:" + std::to_string(port) +
                          " -d session.use_cookies=0 -d session.use_strict_mode=0" +
                          " -d display_errors=stderr " + extra_ini + " '" + script +
                          "' 2>&1 >/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (p != nullptr) ::pclose(p);
  std::remove(script.c_str());
  return out;
}

#define SKIP_WITHOUT_PHP_REDIS()                                                         \
  if (!php_redis_available())                                                            \
  GTEST_SKIP() << "php8.2-cli with phpredis (extension=redis.so, needs igbinary.so) is " \
                  "not available"

TEST_F(RedisTest, PhpReadsWhatTheHandlerWrote) {
  SKIP_WITHOUT_PHP_REDIS();
  RealClock real;
  auto b = backend("?mode=lock", real);
  auto h = b->connect(RequestEnv{&real, &points_, 1});
  ASSERT_TRUE(run_task(h->read(id_)));
  ASSERT_TRUE(run_task(h->write(id_, "foo|s:3:\"bar\";n|i:7;")));
  ASSERT_TRUE(run_task(h->close()));
  const std::string out =
      run_php(port_, "session_id('" + id_ +
                         "'); session_start();"
                         "fwrite(STDERR, serialize($_SESSION)); session_abort();");
  EXPECT_EQ(out, "a:2:{s:3:\"foo\";s:3:\"bar\";s:1:\"n\";i:7;}");
}

TEST_F(RedisTest, HandlerReadsTheExactBytesPhpWrote) {
  SKIP_WITHOUT_PHP_REDIS();
  const std::string out = run_php(port_, "session_id('" + id_ +
                                             "'); session_start();"
                                             "$_SESSION['list'] = [1, 'two']; $_SESSION['f'] = 1.5;"
                                             "session_write_close(); fwrite(STDERR, 'done');");
  ASSERT_EQ(out, "done");
  RealClock real;
  auto b = backend("?mode=optimistic", real);
  auto h = b->connect(RequestEnv{&real, &points_, 1});
  EXPECT_EQ(run_task(h->read(id_)).value(), "list|a:2:{i:0;i:1;i:1;s:3:\"two\";}f|d:1.5;");
  EXPECT_TRUE(run_task(h->validate_id(id_)).value());
}

TEST_F(RedisTest, PhpredisLockingSeesTheHandlersLock) {
  SKIP_WITHOUT_PHP_REDIS();
  RealClock real;
  auto b = backend("?mode=lock", real);
  auto h = b->connect(RequestEnv{&real, &points_, 1});
  ASSERT_TRUE(run_task(h->read(id_)));
  ASSERT_TRUE(run_task(h->write(id_, "owner|s:7:\"handler\";")));
  // phpredis spins on the same `<key>_LOCK` key, gives up after its retries, reads anyway
  // (phpredis 5.3 only raises a notice) and then refuses to write without the lock.
  const std::string out =
      run_php(port_, "session_id('" + id_ + "'); session_start(); $_SESSION['owner'] = 'php';",
              "-d redis.session.locking_enabled=1 -d redis.session.lock_retries=2 "
              "-d redis.session.lock_wait_time=1000");
  EXPECT_NE(out.find("Acquire of session lock was not successful"), std::string::npos) << out;
  EXPECT_NE(out.find("Failed to write session data"), std::string::npos) << out;
  EXPECT_EQ(raw_->cmd({"GET", key()}), "owner|s:7:\"handler\";");
  ASSERT_TRUE(run_task(h->close()));
}

}  // namespace
}  // namespace ss::handlers
