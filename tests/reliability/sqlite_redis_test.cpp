// Regression tests of the SQLite and Redis handlers' hardening (issue #14): D3 (a stored
// session over the payload limit is refused by its size without being loaded; a larger write
// is refused before it is sent) and D19 (SQLite database files are created 0600).

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "handlers/registry.hpp"
#include "tests/reliability/raw_stores.hpp"
#include "tests/reliability/support.hpp"
#include "tests/support/run_task.hpp"

namespace ss::reliability {
namespace {

using handlers::ErrorCode;
using testing_support::run_task;

/// Over the 16 MiB limit, and small enough to plant quickly.
constexpr std::size_t oversize_bytes = (std::size_t{16} << 20) + (std::size_t{4} << 20);

#ifdef SESSIONSPEC_HAVE_SQLITE
class SqliteHardening : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(scratch_.ok());
    db_ = scratch_.path() + "/sessions.db";
  }
  std::unique_ptr<handlers::Backend> open(const std::string& extra = "") {
    auto made = handlers::make_backend("sqlite:" + db_ + extra, 1, clock_);
    EXPECT_TRUE(made) << made.error().reason;
    return made ? std::move(made.value()) : nullptr;
  }
  std::unique_ptr<handlers::SessionHandler> request(handlers::Backend& b) {
    return b.connect(handlers::RequestEnv{&clock_, &points_, ++next_});
  }
  ScratchDir scratch_{"sqlite"};
  std::string db_;
  handlers::ManualClock clock_{1'700'000'000};
  handlers::IoPoints points_;
  std::uint64_t next_ = 0;
};

TEST_F(SqliteHardening, D19_DatabaseFilesAreCreatedPrivate) {
  const mode_t old_umask = ::umask(022);
  auto b = open();
  ::umask(old_umask);
  ASSERT_TRUE(b);
  ASSERT_TRUE(run_task(request(*b)->write("private1", "p|i:1;")));
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    struct stat st {};
    if (suffix != "" && ::stat((db_ + suffix).c_str(), &st) != 0) continue;
    ASSERT_EQ(::stat((db_ + suffix).c_str(), &st), 0) << db_ << suffix;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << db_ << suffix << " is readable by others";
  }
}

TEST_F(SqliteHardening, D3_OversizeRowIsRefusedWithoutLoadingIt) {
  auto b = open();
  ASSERT_TRUE(b);
  const std::string now = std::to_string(clock_.now_s());
  ASSERT_EQ(
      sqlite_exec(db_, "INSERT INTO sessions VALUES ('huge1', zeroblob(" +
                           std::to_string(oversize_bytes) + "), " + now + ", " + now + " + 1440)"),
      "");
  const std::size_t rss_before = peak_rss_bytes();
  auto r = run_task(request(*b)->read("huge1"));
  ASSERT_FALSE(r) << "read a " << oversize_bytes << "-byte row";
  EXPECT_EQ(r.error().code, ErrorCode::capacity);
  EXPECT_NE(r.error().reason.find(std::to_string(oversize_bytes)), std::string::npos)
      << r.error().reason;
  EXPECT_LT(peak_rss_bytes() - rss_before, std::size_t{8} << 20) << "the blob was loaded";
  auto w = run_task(request(*b)->write("huge2", std::string(oversize_bytes, 'x')));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::capacity);
  EXPECT_EQ(b->guarantees().payload_bytes_max, std::size_t{16} << 20);
}
#endif

#ifdef SESSIONSPEC_HAVE_REDIS
TEST(RedisHardening, D3_HugeValueIsReportedByItsLengthNotFetched) {
  if (redis_port() == 0) GTEST_SKIP() << "REDIS_PORT is not set (run through ctest)";
  const std::string prefix = "ss-reliability-d3:" + std::to_string(::getpid()) + ":";
  RawRedis raw(redis_port());
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw.cmd({"SET", prefix + "huge3", std::string(oversize_bytes, 'x'), "EX", "60"}), "OK");
  for (const char* mode : {"none", "optimistic", "lock"}) {
    handlers::ManualClock clock(1'700'000'000);
    handlers::IoPoints points;
    auto made = handlers::make_backend(
        "redis://127.0.0.1:" + std::to_string(redis_port()) + "?mode=" + mode + "&prefix=" + prefix,
        1, clock);
    ASSERT_TRUE(made) << made.error().reason;
    auto h = made.value()->connect(handlers::RequestEnv{&clock, &points, 1});
    const std::size_t rss_before = peak_rss_bytes();
    auto r = run_task(h->read("huge3"));
    ASSERT_FALSE(r) << mode << ": read a " << oversize_bytes << "-byte value";
    EXPECT_EQ(r.error().code, ErrorCode::capacity) << r.error().reason;
    EXPECT_NE(r.error().reason.find(std::to_string(oversize_bytes)), std::string::npos)
        << r.error().reason;
    EXPECT_LT(peak_rss_bytes() - rss_before, std::size_t{8} << 20) << mode << ": fetched it";
    auto w = run_task(h->write("huge4", std::string(oversize_bytes, 'y')));
    ASSERT_FALSE(w) << mode;
    EXPECT_EQ(w.error().code, ErrorCode::capacity) << w.error().reason;
    (void)run_task(h->close());
  }
  EXPECT_EQ(raw.cmd({"EXISTS", prefix + "huge4"}), "0");
  raw.cmd({"DEL", prefix + "huge3"});
}
#endif

}  // namespace
}  // namespace ss::reliability
