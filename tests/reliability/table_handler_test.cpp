// Regression tests of the table handler's hardening (issue #14): D5 (a creator that died or is
// slow while loading never leads to ?fresh=1; fresh=1 never deletes sessions the table did not
// write), D6 (a predictable directory and segment name: ownership, mode, no symlinks) and D15
// (lengths read from shared memory are checked; a truncated segment is an error, not SIGBUS).

#include "handlers/table_handler.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/mman.h>
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
using handlers::TableBackend;
using testing_support::run_task;

class TableHardening : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(scratch_.ok());
    static int made = 0;
    config_.name = "harden-" + std::to_string(::getpid()) + "-" + std::to_string(++made);
    config_.dir = scratch_.path() + "/files";
    config_.rows_max = 64;
    config_.row_bytes_max = 4096;
  }
  void TearDown() override { ::shm_unlink(shm().c_str()); }
  [[nodiscard]] std::string shm() const { return handlers::table_shm_name(config_.name); }
  handlers::Result<std::unique_ptr<TableBackend>> open(bool fresh = false) {
    handlers::TableConfig c = config_;
    c.fresh = fresh;
    return TableBackend::create(c, 1, clock_);
  }
  std::unique_ptr<handlers::SessionHandler> request(handlers::Backend& b) {
    return b.connect(handlers::RequestEnv{&clock_, &points_, ++next_});
  }
  void store(handlers::Backend& b, const std::string& id, const std::string& data) {
    auto w = run_task(request(b)->write(id, data));
    ASSERT_TRUE(w) << w.error().reason;
  }

  ScratchDir scratch_{"table"};
  handlers::TableConfig config_;
  handlers::ManualClock clock_{1'700'000'000};
  handlers::IoPoints points_;
  std::uint64_t next_ = 0;
};

/// A child that creates the segment as a creator does (exclusive, locked, sized), then stays
/// `alive_ms` before it dies without ever publishing it.
pid_t start_dying_creator(const std::string& shm, long alive_ms) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::shm_open(shm.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0 || ::flock(fd, LOCK_EX) != 0 || ::ftruncate(fd, 1 << 20) != 0) ::_exit(2);
  struct timespec ts {
    alive_ms / 1000, (alive_ms % 1000) * 1'000'000
  };
  ::nanosleep(&ts, nullptr);
  ::_exit(0);  // dies holding an unpublished segment
}

TEST_F(TableHardening, D5_CreatorThatDiedWhileLoadingIsRebuiltFromTheFiles) {
  {
    auto first = open();
    ASSERT_TRUE(first) << first.error().reason;
    store(*first.value(), "survivor1", "s|i:1;");
  }
  ASSERT_EQ(::shm_unlink(shm().c_str()), 0);  // a reboot: the files stay
  const pid_t creator = start_dying_creator(shm(), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(creator, &status, 0), creator);
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const auto start = std::chrono::steady_clock::now();
  auto again = open();
  ASSERT_TRUE(again) << again.error().reason;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(run_task(request(*again.value())->read("survivor1")).value(), "s|i:1;");
}

TEST_F(TableHardening, D5_SlowCreatorIsWaitedForBeyondTwoSeconds) {
  {
    auto first = open();
    ASSERT_TRUE(first) << first.error().reason;
    store(*first.value(), "survivor2", "s|i:2;");
  }
  ASSERT_EQ(::shm_unlink(shm().c_str()), 0);
  // Alive (and holding its lock) for 2.5 s: longer than the old 2 s wait.
  const pid_t creator = start_dying_creator(shm(), 2500);
  for (int i = 0; i < 2000 && !fs::exists("/dev/shm" + shm()); ++i) ::usleep(1000);
  auto attached = open();
  int status = 0;
  ::waitpid(creator, &status, 0);
  ASSERT_TRUE(attached) << attached.error().reason;
  EXPECT_EQ(run_task(request(*attached.value())->read("survivor2")).value(), "s|i:2;");
}

TEST_F(TableHardening, D5_FreshNeverDeletesSessionsTheTableDidNotWrite) {
  // A directory PHP (or anyone) already keeps sessions in.
  ASSERT_EQ(::mkdir(config_.dir.c_str(), 0700), 0);
  std::ofstream(config_.dir + "/sess_phpuser1") << "php|i:1;";
  auto fresh = open(true);
  ASSERT_FALSE(fresh) << "fresh=1 accepted a directory of foreign sessions";
  EXPECT_EQ(fresh.error().code, ErrorCode::unsupported);
  EXPECT_NE(fresh.error().reason.find("did not write"), std::string::npos) << fresh.error().reason;
  EXPECT_EQ(whole_file(config_.dir + "/sess_phpuser1"), "php|i:1;");
  // Without fresh=1 the table serves them, as it always did.
  auto plain = open();
  ASSERT_TRUE(plain) << plain.error().reason;
  EXPECT_EQ(run_task(request(*plain.value())->read("phpuser1")).value(), "php|i:1;");
}

TEST_F(TableHardening, D5_FreshEmptiesADirectoryTheTableMade) {
  {
    auto first = open();
    ASSERT_TRUE(first) << first.error().reason;
    store(*first.value(), "mine1", "m|i:1;");
  }
  auto fresh = open(true);
  ASSERT_TRUE(fresh) << fresh.error().reason;
  EXPECT_FALSE(fs::exists(config_.dir + "/sess_mine1"));
  EXPECT_EQ(run_task(request(*fresh.value())->read("mine1")).value(), "");
}

TEST_F(TableHardening, D6_DirectoryMustBeOursAndPrivate) {
  const std::string real = scratch_.path() + "/real";
  ASSERT_EQ(::mkdir(real.c_str(), 0700), 0);
  ASSERT_EQ(::symlink(real.c_str(), config_.dir.c_str()), 0);
  auto linked = open();
  ASSERT_FALSE(linked) << "followed a symlinked directory";
  EXPECT_NE(linked.error().reason.find("symbolic link"), std::string::npos);
  ASSERT_EQ(::unlink(config_.dir.c_str()), 0);

  ASSERT_EQ(::mkdir(config_.dir.c_str(), 0700), 0);
  ASSERT_EQ(::chmod(config_.dir.c_str(), 0777), 0);
  auto open_to_all = open();
  ASSERT_FALSE(open_to_all) << "accepted a directory others can write to";
  EXPECT_NE(open_to_all.error().reason.find("0777"), std::string::npos);
  ASSERT_EQ(::chmod(config_.dir.c_str(), 0700), 0);
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(config_.dir.c_str(), 65534, 65534), 0);
    auto foreign = open();
    ASSERT_FALSE(foreign) << "accepted a directory another user made";
    EXPECT_NE(foreign.error().reason.find("uid 65534"), std::string::npos);
  }
}

TEST_F(TableHardening, D6_SegmentOfAnotherOwnerOrOpenToOthersIsRefused) {
  base::FdGuard fd{::shm_open(shm().c_str(), O_CREAT | O_EXCL | O_RDWR, 0666)};
  ASSERT_GE(fd.fd, 0);
  ASSERT_EQ(::fchmod(fd.fd, 0666), 0);
  auto shared = open();
  ASSERT_FALSE(shared) << "used a segment every user can read and write";
  EXPECT_NE(shared.error().reason.find("mode 0666"), std::string::npos) << shared.error().reason;
  if (::geteuid() == 0) {
    ASSERT_EQ(::fchmod(fd.fd, 0600), 0);
    ASSERT_EQ(::fchown(fd.fd, 65534, 65534), 0);
    auto planted = open();
    ASSERT_FALSE(planted) << "used a segment planted by uid 65534";
    EXPECT_NE(planted.error().reason.find("uid 65534"), std::string::npos);
  }
}

TEST_F(TableHardening, D15_CorruptRowLengthsAreErrorsNamingTheRow) {
  auto made = open(true);
  ASSERT_TRUE(made) << made.error().reason;
  TableBackend& table = *made.value();
  store(table, "corrupt1", "c|i:1;");
  store(table, "healthy1", "h|i:1;");
  ASSERT_TRUE(table.corrupt_lengths_for_test("corrupt1", 8, std::uint64_t{1} << 40));
  auto read = run_task(request(table)->read("corrupt1"));
  ASSERT_FALSE(read) << "read a row of 1 TiB";
  EXPECT_NE(read.error().reason.find("row"), std::string::npos) << read.error().reason;
  EXPECT_NE(read.error().reason.find("corrupt"), std::string::npos) << read.error().reason;
  // An id length beyond the row: the row no longer matches any id, and gc passes it by.
  ASSERT_TRUE(table.corrupt_lengths_for_test("healthy1", 1u << 30, 6));
  clock_.advance(100'000);
  auto h = request(table);
  EXPECT_TRUE(run_task(h->gc(1)));
  EXPECT_TRUE(run_task(h->read("healthy1")));
}

TEST_F(TableHardening, D15_TruncatedSegmentIsAnErrorNotSigbus) {
  auto made = open(true);
  ASSERT_TRUE(made) << made.error().reason;
  store(*made.value(), "cut1", "c|i:1;");
  {
    // Past the header (so the segment still says it is ready), short of the rows.
    base::FdGuard fd{::shm_open(shm().c_str(), O_RDWR, 0)};
    ASSERT_GE(fd.fd, 0);
    ASSERT_EQ(::ftruncate(fd.fd, 8192), 0);
  }
  auto h = request(*made.value());
  auto read = run_task(h->read("cut1"));
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().reason.find("truncated"), std::string::npos) << read.error().reason;
  EXPECT_FALSE(run_task(h->write("cut1", "x|i:1;")));
  // A new backend refuses the short segment instead of mapping past its end.
  auto again = open();
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().reason.find("truncated"), std::string::npos) << again.error().reason;
  // Cut below its header it is an unpublished segment whose creator is gone: rebuilt from the
  // files.
  {
    base::FdGuard fd{::shm_open(shm().c_str(), O_RDWR, 0)};
    ASSERT_GE(fd.fd, 0);
    ASSERT_EQ(::ftruncate(fd.fd, 100), 0);
  }
  auto rebuilt = open();
  ASSERT_TRUE(rebuilt) << rebuilt.error().reason;
  EXPECT_EQ(run_task(request(*rebuilt.value())->read("cut1")).value(), "c|i:1;");
}

TEST_F(TableHardening, D3_StoredFileOverRowBytesIsRefusedAtLoad) {
  ASSERT_EQ(::mkdir(config_.dir.c_str(), 0700), 0);
  std::ofstream(config_.dir + "/sess_toolarge") << std::string(config_.row_bytes_max + 1, 'x');
  auto made = open();
  ASSERT_FALSE(made) << "loaded a file over row_bytes";
  EXPECT_EQ(made.error().code, ErrorCode::capacity);
}

}  // namespace
}  // namespace ss::reliability
