// Regression tests of the files handler's hardening (issue #14): D4 (a write is a rename of a
// locked temporary file, so kill -9 leaves the old or the new session), D3 (a size cap on read
// and write), D19 (no hard links, no foreign owners, a safe save directory).

#include "handlers/files_handler.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/fd_guard.hpp"
#include "tests/reliability/support.hpp"
#include "tests/support/run_task.hpp"

namespace ss::reliability {
namespace {

namespace fs = std::filesystem;
using handlers::ErrorCode;
using testing_support::run_task;

/// Gives up at once instead of waiting: a lock held elsewhere is a timeout.
class NoWaitPoints final : public handlers::IoPoints {
 public:
  handlers::Task<bool> blocked(std::string_view, int) override { co_return false; }
};

class FilesHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(scratch_.ok());
    dir_ = scratch_.path() + "/store";
    ASSERT_EQ(::mkdir(dir_.c_str(), 0700), 0);
    auto made = handlers::FilesBackend::create(dir_, 1, clock_);
    ASSERT_TRUE(made) << made.error().reason;
    backend_ = std::move(made.value());
  }
  std::unique_ptr<handlers::SessionHandler> request(handlers::IoPoints* points = nullptr) {
    return backend_->connect(handlers::RequestEnv{&clock_, points ? points : &points_, ++next_});
  }
  /// Stores `data` under `id` through a request of its own.
  void store(const std::string& id, const std::string& data) {
    auto h = request();
    ASSERT_TRUE(run_task(h->read(id)));
    auto w = run_task(h->write(id, data));
    ASSERT_TRUE(w) << w.error().reason;
    ASSERT_TRUE(run_task(h->close()));
  }

  ScratchDir scratch_{"files"};
  std::string dir_;
  handlers::ManualClock clock_{1'700'000'000};
  handlers::IoPoints points_;
  std::unique_ptr<handlers::FilesBackend> backend_;
  std::uint64_t next_ = 0;
};

TEST_F(FilesHandlerTest, D4_KillBetweenTruncateAndWriteLeavesOldOrNew) {
  // Writers loop read-write-close on two sessions (two writers each, so they also contend for
  // the lock) with payloads large enough that a write takes a while; they are SIGKILLed at a
  // seeded random moment, 40 times. PHP's order (truncate, then write) left empty or torn files
  // in about one kill in five.
  const std::vector<std::string> ids = {"killsessionA", "killsessionB"};
  for (const auto& id : ids) store(id, session_payload(0, 1000));
  constexpr int rounds = 40;
  for (int round = 0; round < rounds; ++round) {
    const std::uint64_t seed = 7000 + static_cast<std::uint64_t>(round);
    const long delay = run_and_kill(4, seed, 12, [&](int child) {
      handlers::RealClock clock;
      handlers::IoPoints points;
      auto backend = handlers::FilesBackend::create(dir_, 1, clock);
      if (!backend) ::_exit(3);
      const std::string& id = ids[static_cast<std::size_t>(child) % ids.size()];
      for (std::uint64_t i = 1;; ++i) {
        auto h = backend.value()->connect(handlers::RequestEnv{&clock, &points, i});
        (void)run_task(h->read(id));
        (void)run_task(h->write(id, session_payload(i, 64 * 1024 + (i * 7919) % (960 * 1024))));
        (void)run_task(h->close());
      }
    });
    for (const auto& id : ids) {
      const std::string stored = whole_file(dir_ + "/sess_" + id);
      const std::string problem = payload_problem(stored);
      ASSERT_EQ(problem, "") << "sess_" << id << " (" << stored.size() << " bytes) after round "
                             << round << " (seed " << seed << ", killed after " << delay << " us)";
    }
  }
  // Every session still reads whole through the handler, and gc removes the temporary files
  // the killed writers left (only unlocked ones: a live writer holds a lock on its own).
  for (const auto& id : ids) {
    auto h = request();
    auto r = run_task(h->read(id));
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(payload_problem(r.value()), "");
  }
  auto h = request();
  ASSERT_TRUE(run_task(h->gc(1'000'000'000)));
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind(".tmp-", 0), std::string::npos)
        << "left behind: " << e.path();
  }
}

TEST_F(FilesHandlerTest, D4_TheLockFollowsTheRenamedFile) {
  store("renamed", "a|i:1;");
  auto holder = request();
  ASSERT_TRUE(run_task(holder->read("renamed")));
  ASSERT_TRUE(run_task(holder->write("renamed", "a|i:2;")));
  // The holder renamed a new file into place and still holds the session: others wait.
  NoWaitPoints no_wait;
  auto other = request(&no_wait);
  auto blocked = run_task(other->read("renamed"));
  ASSERT_FALSE(blocked) << "read the session while another request held it";
  EXPECT_EQ(blocked.error().code, ErrorCode::timeout);
  ASSERT_TRUE(run_task(holder->write("renamed", "a|i:3;")));
  ASSERT_TRUE(run_task(holder->close()));
  auto after = run_task(other->read("renamed"));
  ASSERT_TRUE(after) << after.error().reason;
  EXPECT_EQ(after.value(), "a|i:3;");
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/sess_renamed").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_mtime, clock_.now_s());
}

TEST_F(FilesHandlerTest, D4_GcKeepsTheTemporaryFileOfALiveWriter) {
  const std::string live = dir_ + "/.tmp-sess-live01";
  const std::string dead = dir_ + "/.tmp-sess-dead01";
  std::ofstream(live) << "x";
  std::ofstream(dead) << "y";
  base::FdGuard held{::open(live.c_str(), O_RDONLY)};
  ASSERT_EQ(::flock(held.fd, LOCK_EX), 0);
  auto h = request();
  ASSERT_TRUE(run_task(h->gc(0)));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_FALSE(fs::exists(dead));
}

TEST_F(FilesHandlerTest, D3_HugeSparseSessionFileIsRefusedWithItsSize) {
  const std::string path = dir_ + "/sess_huge";
  {
    base::FdGuard f{::open(path.c_str(), O_CREAT | O_WRONLY, 0600)};
    ASSERT_EQ(::ftruncate(f.fd, off_t{3} << 30), 0);  // 3 GiB, no blocks
  }
  const std::size_t rss_before = peak_rss_bytes();
  auto h = request();
  auto r = run_task(h->read("huge"));
  ASSERT_FALSE(r) << "read a 3 GiB session";
  EXPECT_EQ(r.error().code, ErrorCode::capacity);
  EXPECT_NE(r.error().reason.find(std::to_string(std::uint64_t{3} << 30)), std::string::npos)
      << r.error().reason;
  EXPECT_LT(peak_rss_bytes() - rss_before, std::size_t{64} << 20);
}

TEST_F(FilesHandlerTest, D3_OversizeWriteIsRefusedAndChangesNothing) {
  store("big", "a|i:1;");
  auto h = request();
  ASSERT_TRUE(run_task(h->read("big")));
  auto w = run_task(h->write("big", std::string(handlers::files_payload_bytes_max + 1, 'x')));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::capacity);
  ASSERT_TRUE(run_task(h->close()));
  EXPECT_EQ(whole_file(dir_ + "/sess_big"), "a|i:1;");
  EXPECT_EQ(backend_->guarantees().payload_bytes_max, handlers::files_payload_bytes_max);
}

TEST_F(FilesHandlerTest, D3_FifoUnderASessionNameDoesNotHang) {
  ASSERT_EQ(::mkfifo((dir_ + "/sess_fifo").c_str(), 0600), 0);
  auto h = request();
  auto r = run_task(h->read("fifo"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().reason.find("not a regular file"), std::string::npos) << r.error().reason;
  EXPECT_FALSE(run_task(h->validate_id("fifo")).value());
}

TEST_F(FilesHandlerTest, D19_HardLinkOutOfTheStoreIsNeitherReadNorWritten) {
  const std::string outside = scratch_.path() + "/secret";
  std::ofstream(outside) << "top secret";
  ASSERT_EQ(::link(outside.c_str(), (dir_ + "/sess_linked").c_str()), 0);
  auto h = request();
  auto r = run_task(h->read("linked"));
  ASSERT_FALSE(r) << "read a hard link to a file outside the store: " << r.value();
  EXPECT_NE(r.error().reason.find("hard links"), std::string::npos) << r.error().reason;
  EXPECT_FALSE(run_task(h->write("linked", "a|i:1;")));
  EXPECT_FALSE(run_task(h->validate_id("linked")).value());
  EXPECT_EQ(whole_file(outside), "top secret");
}

TEST_F(FilesHandlerTest, D19_SessionFileOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a file of another user needs root";
  const std::string path = dir_ + "/sess_foreign";
  std::ofstream(path) << "a|i:1;";
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  auto h = request();
  auto r = run_task(h->read("foreign"));
  ASSERT_FALSE(r) << "read a session planted by uid 65534";
  EXPECT_NE(r.error().reason.find("uid 65534"), std::string::npos) << r.error().reason;
}

TEST_F(FilesHandlerTest, D19_UnsafeSaveDirectoryIsRefused) {
  const std::string open_dir = scratch_.path() + "/world";
  ASSERT_EQ(::mkdir(open_dir.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(open_dir.c_str(), 0777), 0);
  auto made = handlers::FilesBackend::create(open_dir, 1, clock_);
  ASSERT_FALSE(made) << "accepted a world-writable directory without the sticky bit";
  EXPECT_NE(made.error().reason.find("sticky"), std::string::npos) << made.error().reason;
  ASSERT_EQ(::chmod(open_dir.c_str(), 01777), 0);
  EXPECT_TRUE(handlers::FilesBackend::create(open_dir, 1, clock_)) << "like /tmp";
  if (::geteuid() == 0) {
    ASSERT_EQ(::chmod(open_dir.c_str(), 0755), 0);
    ASSERT_EQ(::chown(open_dir.c_str(), 65534, 65534), 0);
    auto foreign = handlers::FilesBackend::create(open_dir, 1, clock_);
    ASSERT_FALSE(foreign) << "accepted a directory of uid 65534";
    EXPECT_NE(foreign.error().reason.find("uid 65534"), std::string::npos);
  }
}

}  // namespace
}  // namespace ss::reliability
