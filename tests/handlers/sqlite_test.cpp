// The SQLite handler on a scratch database file: the table layout, BLOB payloads, lazy expiry
// before gc, gc's count, and the two lock modes driven by hand (two handler instances = two
// overlapping requests, each with its own connection).

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "handlers/factories.hpp"
#include "handlers/faults.hpp"
#include "handlers/sqlite_handler.hpp"
#include "tests/support/run_task.hpp"

namespace ss::handlers {
namespace {

namespace fs = std::filesystem;
using testing_support::run_task;

/// Counts blocked() calls without sleeping.
struct CountingPoints final : IoPoints {
  int blocked_calls = 0;
  Task<bool> blocked(std::string_view, int) override {
    ++blocked_calls;
    co_return true;
  }
};

/// A plain connection to the file: the "other process" of the tests.
std::string query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out = "(error)";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    out = sqlite3_step(st) == SQLITE_ROW
              ? std::string(static_cast<const char*>(sqlite3_column_blob(st, 0)),
                            sqlite3_column_bytes(st, 0))
              : "(none)";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

Result<SqliteConfig> config_of(const std::string& uri) {
  std::string err;
  auto parsed = parse_handler_uri(uri, err);
  if (!parsed) return fail(ErrorCode::unsupported, err);
  return parse_sqlite_config(*parsed);
}

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ss-sqlite-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "sessions.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<SqliteBackend> backend(const std::string& query_string) {
    auto c = config_of("sqlite:" + path_ + query_string);
    EXPECT_TRUE(c) << c.error().reason;
    auto made = SqliteBackend::create(c.value(), 7, clock_);
    EXPECT_TRUE(made) << made.error().reason;
    return std::move(made.value());
  }
  std::unique_ptr<SessionHandler> request(SqliteBackend& b, std::uint64_t n,
                                          IoPoints* points = nullptr) {
    return b.connect(RequestEnv{&clock_, points != nullptr ? points : &points_, n});
  }
  std::string rows() const { return query(path_, "SELECT CAST(COUNT(*) AS TEXT) FROM sessions"); }

  fs::path dir_;
  std::string path_;
  ManualClock clock_{1'700'000'000};
  CountingPoints points_;
};

TEST(SqliteConfigTest, ReadsParametersAndRefusesBadOnes) {
  auto c = config_of("sqlite:/tmp/a.db?lock=transactional&busy_timeout_ms=50&ttl_s=60");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_EQ(c.value().path, "/tmp/a.db");
  EXPECT_EQ(c.value().lock, SqliteLock::transactional);
  EXPECT_EQ(c.value().busy_timeout_ms, 50);
  EXPECT_EQ(c.value().ttl_s, 60);
  auto d = config_of("sqlite:/tmp/a.db");
  ASSERT_TRUE(d);
  EXPECT_EQ(d.value().lock, SqliteLock::none);
  EXPECT_EQ(d.value().busy_timeout_ms, 2000);
  EXPECT_EQ(d.value().ttl_s, 1440);
  for (const char* bad :
       {"sqlite:/tmp/a.db?lock=row", "sqlite:/tmp/a.db?ttl_s=0",
        "sqlite:/tmp/a.db?busy_timeout_ms=x", "sqlite::memory:", "sqlite:/tmp/a.db?mode=lock"}) {
    auto e = config_of(bad);
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::unsupported) << bad;
  }
}

TEST_F(SqliteTest, CreatesAWalDatabaseAndReportsUnusablePaths) {
  auto b = backend("");
  EXPECT_EQ(query(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(rows(), "0");
  EXPECT_EQ(b->guarantees().store.expiry, model::Expiry::lazy);
  ManualClock clock(0);
  std::string err;
  auto made =
      make_sqlite_backend(*parse_handler_uri("sqlite:/nonexistent/dir/x.db", err), 1, clock);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, ErrorCode::io);
  EXPECT_NE(made.error().reason.find("/nonexistent/dir/x.db"), std::string::npos);
}

TEST_F(SqliteTest, FreshStartsEmpty) {
  {
    auto b = backend("");
    ASSERT_TRUE(run_task(request(*b, 1)->write("s", "x|i:1;")));
  }
  auto kept = backend("");
  EXPECT_EQ(rows(), "1");
  auto emptied = backend("?fresh=1");
  EXPECT_EQ(rows(), "0");
}

TEST_F(SqliteTest, StoresBinarySafeBlobsAndCreatesNothingOnUnknownReads) {
  auto b = backend("");
  auto h = request(*b, 1);
  ASSERT_TRUE(run_task(h->open("", "PHPSESSID")));
  EXPECT_EQ(run_task(h->read("unknown1")).value(), "");
  EXPECT_FALSE(run_task(h->validate_id("unknown1")).value());
  EXPECT_EQ(rows(), "0");
  const std::string data("a|s:3:\"x\0y\";", 13);
  ASSERT_TRUE(run_task(h->write("abc", data)));
  ASSERT_TRUE(run_task(h->write("empty", "")));
  EXPECT_EQ(query(path_, "SELECT data FROM sessions WHERE id = 'abc'"), data);
  EXPECT_EQ(query(path_, "SELECT typeof(data) FROM sessions WHERE id = 'empty'"), "blob");
  EXPECT_EQ(run_task(h->read("abc")).value(), data);
  EXPECT_TRUE(run_task(h->validate_id("abc")).value());
  ASSERT_TRUE(run_task(h->write("abc", "b|i:1;")));
  EXPECT_EQ(rows(), "2") << "one row per id";
  ASSERT_TRUE(run_task(h->destroy("abc")));
  EXPECT_TRUE(run_task(h->destroy("abc"))) << "destroying an unknown id succeeds";
  EXPECT_EQ(run_task(h->read("abc")).value(), "");
  auto sid = run_task(h->create_sid());
  ASSERT_TRUE(sid);
  EXPECT_EQ(sid.value().size(), 26u);
  auto bad = run_task(h->read("../x"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_id);
  ASSERT_TRUE(run_task(h->close()));
}

TEST_F(SqliteTest, ExpiredRowsReadEmptyBeforeGcRemovesThem) {
  auto b = backend("?ttl_s=100");
  auto h = request(*b, 1);
  ASSERT_TRUE(run_task(h->write("old", "n|i:1;")));
  clock_.advance(50);
  ASSERT_TRUE(run_task(h->write("young", "n|i:2;")));
  clock_.advance(50);
  EXPECT_EQ(run_task(h->read("old")).value(), "n|i:1;") << "alive at exactly ttl_s";
  clock_.advance(1);
  EXPECT_EQ(run_task(h->read("old")).value(), "") << "expired: reads empty before gc";
  EXPECT_FALSE(run_task(h->validate_id("old")).value());
  EXPECT_EQ(rows(), "2") << "expiry is lazy: the row is still there";
  EXPECT_EQ(run_task(h->gc(100)).value(), 1);
  EXPECT_EQ(rows(), "1");
  EXPECT_EQ(run_task(h->read("young")).value(), "n|i:2;");
}

TEST_F(SqliteTest, UpdateTimestampTouchesWithoutRewriting) {
  auto b = backend("?ttl_s=100");
  auto h = request(*b, 1);
  ASSERT_TRUE(run_task(h->write("s", "n|i:1;")));
  clock_.advance(90);
  ASSERT_TRUE(run_task(h->update_timestamp("s", "stale|i:0;")));
  clock_.advance(90);
  EXPECT_EQ(run_task(h->read("s")).value(), "n|i:1;");
  ASSERT_TRUE(run_task(h->update_timestamp("fresh", "n|i:3;")));
  EXPECT_EQ(run_task(h->read("fresh")).value(), "n|i:3;") << "a touch of a missing row writes";
}

TEST_F(SqliteTest, NoLockIsLastWriterWins) {
  auto b = backend("?lock=none");
  EXPECT_EQ(b->guarantees().concurrency, Concurrency::last_writer_wins);
  auto a = request(*b, 1);
  auto c = request(*b, 2);
  ASSERT_TRUE(run_task(a->read("s")));
  ASSERT_TRUE(run_task(c->read("s")));
  ASSERT_TRUE(run_task(c->write("s", "c|i:1;")));
  ASSERT_TRUE(run_task(a->write("s", "a|i:1;")));
  EXPECT_EQ(run_task(c->read("s")).value(), "a|i:1;");
}

TEST_F(SqliteTest, TransactionalBlocksTheSecondRequestUntilTimeout) {
  auto b = backend("?lock=transactional&busy_timeout_ms=50");
  EXPECT_EQ(b->guarantees().concurrency, Concurrency::serialised);
  auto a = request(*b, 1);
  CountingPoints c_points;
  auto c = request(*b, 2, &c_points);
  ASSERT_TRUE(run_task(a->read("s")));
  auto blocked = run_task(c->read("s"));
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, ErrorCode::timeout);
  EXPECT_NE(blocked.error().reason.find("busy_timeout_ms"), std::string::npos);
  EXPECT_EQ(c_points.blocked_calls, 5) << "busy_timeout_ms=50 is 5 waits of 10 ms";
  // Plain readers are not blocked (WAL).
  auto reader = backend("?lock=none");
  auto r = request(*reader, 3);
  EXPECT_EQ(run_task(r->read("s")).value(), "");
  ASSERT_TRUE(run_task(a->write("s", "a|i:1;")));
  ASSERT_TRUE(run_task(a->close()));
  EXPECT_EQ(run_task(c->read("s")).value(), "a|i:1;");
  ASSERT_TRUE(run_task(c->close()));
}

TEST_F(SqliteTest, TransactionalReadOfAnUnknownIdCreatesNothing) {
  auto b = backend("?lock=transactional");
  auto a = request(*b, 1);
  EXPECT_EQ(run_task(a->read("ghost")).value(), "");
  EXPECT_EQ(rows(), "0") << "no placeholder row, even inside the transaction";
  ASSERT_TRUE(run_task(a->close()));
  EXPECT_EQ(rows(), "0");
  EXPECT_FALSE(run_task(a->validate_id("ghost")).value());
}

TEST_F(SqliteTest, TransactionEndsAtDestroyAndWhenTheRequestEndsWithoutClose) {
  auto b = backend("?lock=transactional&busy_timeout_ms=0");
  {
    auto a = request(*b, 1);
    ASSERT_TRUE(run_task(a->read("s")));
    ASSERT_TRUE(run_task(a->write("s", "a|i:1;")));
  }
  EXPECT_EQ(query(path_, "SELECT data FROM sessions WHERE id = 's'"), "a|i:1;")
      << "what write() acknowledged is committed";
  auto c = request(*b, 2);
  ASSERT_TRUE(run_task(c->read("s")));
  ASSERT_TRUE(run_task(c->destroy("s")));
  auto d = request(*b, 3);
  EXPECT_EQ(run_task(d->read("s")).value(), "") << "destroy committed and released the lock";
  ASSERT_TRUE(run_task(d->close()));
}

// What write() acknowledges is on disk: a disk that is full when the transaction commits makes
// write() fail and leaves the session as it was; it never answers true and then loses the data
// at close() (whose answer PHP ignores). Regression test of L4.fault.disk-full: the COMMIT used
// to wait for close().
TEST_F(SqliteTest, TransactionalWriteCommitsBeforeItAnswers) {
  auto b = backend("?lock=transactional&busy_timeout_ms=0");
  {
    auto a = request(*b, 1);
    ASSERT_TRUE(run_task(a->read("s")));
    ASSERT_TRUE(run_task(a->write("s", "a|i:1;")));
    ASSERT_TRUE(run_task(a->close()));
  }
  auto a = request(*b, 2);
  ASSERT_TRUE(run_task(a->read("s")));
  std::optional<Status> written;
  {
    const DiskFull full;
    written = run_task(a->write("s", "a|i:2;" + std::string(8192, 'x')));
    (void)run_task(a->close());
  }
  const std::string stored = query(path_, "SELECT substr(data, 1, 6) FROM sessions WHERE id = 's'");
  if (*written) {
    EXPECT_EQ(stored, "a|i:2;") << "write() answered true and the data is gone";
  } else {
    EXPECT_EQ(stored, "a|i:1;") << "a failed write changed the session";
  }
  // Without a disk to write to, nothing can be acknowledged (the WAL must grow to commit).
  EXPECT_FALSE(*written);
  // The lock went with the failed write: another request can take the session.
  auto c = request(*b, 3);
  EXPECT_EQ(run_task(c->read("s")).value(), "a|i:1;");
  ASSERT_TRUE(run_task(c->close()));
}

// The write is committed when write() answers, and the lock is taken again at once: another
// request still waits until close(), as it did when the COMMIT came at close().
TEST_F(SqliteTest, TransactionalWriteIsCommittedAndTheLockHeldUntilClose) {
  auto b = backend("?lock=transactional&busy_timeout_ms=0");
  auto a = request(*b, 1);
  ASSERT_TRUE(run_task(a->read("s")));
  ASSERT_TRUE(run_task(a->write("s", "a|i:1;")));
  EXPECT_EQ(query(path_, "SELECT data FROM sessions WHERE id = 's'"), "a|i:1;")
      << "not committed when write() answered";
  auto c = request(*b, 2);
  auto blocked = run_task(c->read("s"));
  ASSERT_FALSE(blocked) << "the lock was not held after write()";
  EXPECT_EQ(blocked.error().code, ErrorCode::timeout);
  ASSERT_TRUE(run_task(a->close()));
  EXPECT_EQ(run_task(c->read("s")).value(), "a|i:1;");
  ASSERT_TRUE(run_task(c->close()));
}

/// How many descriptors of this process have `path` open (one per SQLite connection).
int open_descriptors(const std::string& path) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(e.path(), ec) == fs::path(path)) ++n;
  }
  return n;
}

// Requests of one backend reuse the connection of a finished request, with its prepared
// statements, instead of opening the file again; overlapping requests each have their own, and
// a connection comes back only outside any transaction (the next request can take the lock).
TEST_F(SqliteTest, FinishedRequestsConnectionIsReused) {
  auto b = backend("?lock=transactional&busy_timeout_ms=0");
  ASSERT_EQ(open_descriptors(path_), 0);
  {
    auto a = request(*b, 1);
    ASSERT_TRUE(run_task(a->read("s")));
    ASSERT_TRUE(run_task(a->write("s", "a|i:1;")));
  }  // ends without close(): commits, then the connection goes back to the pool
  ASSERT_EQ(open_descriptors(path_), 1);
  for (std::uint64_t n = 2; n < 5; ++n) {
    auto h = request(*b, n);
    EXPECT_EQ(run_task(h->read("s")).value(), "a|i:1;") << "request " << n;
    ASSERT_TRUE(run_task(h->close()));
  }
  EXPECT_EQ(open_descriptors(path_), 1) << "a later request opened the file again";
  auto c = request(*b, 5);
  auto d = request(*b, 6);
  ASSERT_TRUE(run_task(c->read("s")));
  EXPECT_EQ(open_descriptors(path_), 1);
  auto blocked = run_task(d->read("s"));
  EXPECT_EQ(open_descriptors(path_), 2) << "two overlapping requests shared one connection";
  ASSERT_FALSE(blocked) << "the second request did not wait for the first one's transaction";
  EXPECT_EQ(blocked.error().code, ErrorCode::timeout);
}

}  // namespace
}  // namespace ss::handlers
