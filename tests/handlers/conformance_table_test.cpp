// The conformance suite on `table:NAME` (an isolated instance from the registry per test),
// then what only the table has: several processes on one segment, lock holders that die, the
// compare-and-swap write, capacity limits, and the rebuild from the write-through files.
// Processes synchronise through waitpid and pipes, never through sleeps.

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>

#include "conformance/suite.hpp"
#include "handlers/handler_uri.hpp"
#include "handlers/registry.hpp"
#include "handlers/table_handler.hpp"
#include "tests/support/isolated_case.hpp"
#include "tests/support/run_task.hpp"

namespace ss::conformance {
namespace {

namespace fs = std::filesystem;
using handlers::ErrorCode;
using handlers::TableBackend;
using testing_support::run_task;

/// Distinct segment names within this process; the pid separates concurrent test runs.
std::string unique_table_name(const char* prefix) {
  static int made = 0;
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" + std::to_string(++made);
}

std::string make_scratch_dir() {
  char dir[] = "/tmp/ss-conformance-table-XXXXXX";
  return ::mkdtemp(dir) == nullptr ? std::string() : std::string(dir);
}

// Every conformance test gets a table of its own from the registry (a fresh name, emptied, its
// files in a fresh directory), unlinked and removed afterwards.
INSTANTIATE_TEST_SUITE_P(Table, Conformance,
                         ::testing::Values(isolated_case("table", "table:conformance")), case_name);

/// Gives up at once instead of waiting, and counts how often it was asked: a test that passes
/// with it proves that no lock wait was needed.
class NoWaitPoints final : public handlers::IoPoints {
 public:
  handlers::Task<bool> blocked(std::string_view, int) override {
    ++blocked_calls;
    co_return false;
  }
  int blocked_calls = 0;
};

/// Runs `at_cas` the first time a request reaches table.cas, i.e. between its version check
/// and its compare-and-swap, as the explorer may.
class InterleavePoints final : public handlers::IoPoints {
 public:
  handlers::Task<void> point(std::string_view what) override {
    if (what != "table.cas" || !at_cas) co_return;
    auto run = std::exchange(at_cas, nullptr);
    co_await run();
  }
  std::function<handlers::Task<void>()> at_cas;
};

std::string file_content(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Exit status of a child; 100 + signal number when it was killed.
int wait_child(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

class TableHandlerTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t start_s = 1'700'000'000;

  void SetUp() override {
    name_ = unique_table_name("tabletest");
    dir_ = make_scratch_dir();
    ASSERT_FALSE(dir_.empty());
  }
  void TearDown() override {
    ::shm_unlink(handlers::table_shm_name(name_).c_str());
    fs::remove_all(dir_);
  }

  [[nodiscard]] std::string uri(const std::string& extra = "") const {
    return "table:" + name_ + "?dir=" + dir_ + extra;
  }
  /// A backend with the test hooks; `extra` adds URI parameters.
  std::unique_ptr<TableBackend> open_table(const std::string& extra) {
    std::string error;
    auto parsed = handlers::parse_handler_uri(uri(extra), error);
    EXPECT_TRUE(parsed) << error;
    if (!parsed) return nullptr;
    auto config = handlers::parse_table_config(*parsed);
    EXPECT_TRUE(config.ok()) << config.error().reason;
    if (!config.ok()) return nullptr;
    auto made = TableBackend::create(config.value(), 7, clock_);
    EXPECT_TRUE(made.ok()) << made.error().reason;
    return made.ok() ? std::move(made.value()) : nullptr;
  }
  std::unique_ptr<handlers::SessionHandler> request(handlers::Backend& b,
                                                    handlers::IoPoints* points = nullptr) {
    return b.connect(handlers::RequestEnv{&clock_, points ? points : &points_, ++requests_});
  }
  [[nodiscard]] std::string path(const std::string& id) const { return dir_ + "/sess_" + id; }

  handlers::ManualClock clock_{start_s};
  handlers::IoPoints points_;
  std::string name_;
  std::string dir_;
  std::uint64_t requests_ = 0;
};

/// The body of a child process: returns its exit code, never throws, never touches gtest.
/// Children that hold a lock _exit() directly instead, with their backend still mapped.
int child_main(const std::function<int()>& body) {
  try {
    return body();
  } catch (...) {
    return 9;
  }
}

/// In a child: a backend of its own on the same table, as another PHP worker would have.
std::unique_ptr<TableBackend> child_backend(const std::string& uri_text, handlers::Clock& clock) {
  std::string error;
  auto parsed = handlers::parse_handler_uri(uri_text, error);
  if (!parsed) return nullptr;
  auto config = handlers::parse_table_config(*parsed);
  if (!config.ok()) return nullptr;
  auto made = TableBackend::create(config.value(), 8, clock);
  return made.ok() ? std::move(made.value()) : nullptr;
}

TEST_F(TableHandlerTest, ForkedWriterIsVisibleToParent) {
  auto parent = open_table("&fresh=1");
  ASSERT_TRUE(parent);
  const std::string data = std::string("from|s:5:\"child\";\0!", 20);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::_exit(child_main([&] {
      handlers::ManualClock clock(start_s);
      handlers::IoPoints points;
      auto b = child_backend(uri(), clock);
      if (!b) return 2;
      auto h = b->connect(handlers::RequestEnv{&clock, &points, 1});
      return run_task(h->write("forked1", data)).ok() ? 0 : 3;
    }));
  }
  ASSERT_EQ(wait_child(pid), 0);
  auto h = request(*parent);
  auto r = run_task(h->read("forked1"));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_TRUE(r.value() == data) << "the parent does not see the child's write";
  EXPECT_TRUE(file_content(path("forked1")) == data) << "the file is not the session's bytes";
}

// A process that dies holding a row lock must not block the row: the next locker inherits the
// lock (EOWNERDEAD) at once, without waiting (NoWaitPoints would turn any wait into a failure).
TEST_F(TableHandlerTest, CrashedLockHolderDoesNotBlockWriters) {
  auto parent = open_table("&fresh=1");
  ASSERT_TRUE(parent);
  ASSERT_TRUE(run_task(request(*parent)->write("locked1", "v|i:1;")).ok());
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // _exit with the segment still mapped, as a crash would: the kernel releases a dead
    // owner's robust locks only where it can still reach them.
    handlers::ManualClock clock(start_s);
    auto b = child_backend(uri(), clock);
    ::_exit(b && b->hold_row_lock_for_test("locked1").ok() ? 0 : 2);
  }
  ASSERT_EQ(wait_child(pid), 0);
  NoWaitPoints no_wait;
  auto h = request(*parent, &no_wait);
  auto wrote = run_task(h->write("locked1", "v|i:2;"));
  ASSERT_TRUE(wrote.ok()) << wrote.error().reason;
  EXPECT_EQ(no_wait.blocked_calls, 0);
  EXPECT_EQ(run_task(request(*parent)->read("locked1")).value(), "v|i:2;");
}

// A writer killed halfway through copying into a row leaves torn bytes; the next locker
// rebuilds the row from the file (the commit point) under a new version. A request that read
// the row before the crash then merges with the rebuilt bytes: its swap against the old version
// fails, so neither the torn bytes nor a blind overwrite end up stored.
TEST_F(TableHandlerTest, WriterKilledMidCopyLeavesCommittedData) {
  auto parent = open_table("&fresh=1");
  ASSERT_TRUE(parent);
  ASSERT_TRUE(run_task(request(*parent)->write("torn1", "committed|i:1;")).ok());
  auto before_crash = request(*parent);
  ASSERT_EQ(run_task(before_crash->read("torn1")).value(), "committed|i:1;");
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    handlers::ManualClock clock(start_s);
    auto b = child_backend(uri(), clock);
    ::_exit(b && b->crash_mid_write_for_test("torn1", std::string(64, 'X')).ok() ? 0 : 2);
  }
  ASSERT_EQ(wait_child(pid), 0);
  NoWaitPoints no_wait;
  auto after = request(*parent, &no_wait);
  auto r = run_task(after->read("torn1"));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r.value(), "committed|i:1;") << "a torn row was served";
  ASSERT_TRUE(run_task(after->write("torn1", "committed|i:1;after|i:2;")).ok());
  auto stale = run_task(before_crash->write("torn1", "committed|i:1;stale|i:0;"));
  ASSERT_TRUE(stale.ok()) << stale.error().reason;
  EXPECT_EQ(run_task(request(*parent)->read("torn1")).value(), "committed|i:1;after|i:2;stale|i:0;")
      << "the write based on the pre-crash version was not merged with the rebuilt row";
}

// A live holder (another process) makes a writer give up with `timeout` when the wait budget
// is spent; once the holder exits, the same write goes through.
TEST_F(TableHandlerTest, LiveLockHolderMakesWritersTimeOutThenRecover) {
  auto parent = open_table("&fresh=1");
  ASSERT_TRUE(parent);
  ASSERT_TRUE(run_task(request(*parent)->write("busy1", "v|i:1;")).ok());
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    ::close(release[1]);
    handlers::ManualClock clock(start_s);
    auto b = child_backend(uri(), clock);
    if (!b || !b->hold_row_lock_for_test("busy1").ok()) ::_exit(2);
    char c = 'r';
    if (::write(ready[1], &c, 1) != 1) ::_exit(3);
    ::_exit(::read(release[0], &c, 1) == 0 ? 0 : 4);  // EOF: the parent says "exit now"
  }
  ::close(ready[1]);
  ::close(release[0]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "the child could not take the lock";
  NoWaitPoints no_wait;
  auto h = request(*parent, &no_wait);
  auto blocked = run_task(h->write("busy1", "v|i:2;"));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, ErrorCode::timeout) << blocked.error().reason;
  EXPECT_EQ(no_wait.blocked_calls, 1);
  EXPECT_EQ(file_content(path("busy1")), "v|i:1;") << "a timed-out write changed the file";
  ::close(release[1]);
  ASSERT_EQ(wait_child(pid), 0);
  ::close(ready[0]);
  EXPECT_TRUE(run_task(h->write("busy1", "v|i:2;")).ok());
  EXPECT_EQ(run_task(request(*parent)->read("busy1")).value(), "v|i:2;");
}

// The compare-and-swap keeps merge-disjoint-keys by itself: of two requests that read one
// version, the second writer loses the swap, merges key by key with what the first stored and
// swaps again; both changes survive, in the row and in the file. (Refusing instead would lose
// the write: a PHP engine drops a failed write.)
TEST_F(TableHandlerTest, CasConflictMergesDisjointKeys) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  ASSERT_TRUE(run_task(request(*b)->write("cas1", "x|i:0;y|i:0;")).ok());
  auto first = request(*b);
  auto second = request(*b);
  ASSERT_EQ(run_task(first->read("cas1")).value(), "x|i:0;y|i:0;");
  ASSERT_EQ(run_task(second->read("cas1")).value(), "x|i:0;y|i:0;");
  ASSERT_TRUE(run_task(first->write("cas1", "x|i:1;y|i:0;")).ok());
  auto merged = run_task(second->write("cas1", "x|i:0;y|i:1;"));
  ASSERT_TRUE(merged.ok()) << merged.error().reason;
  EXPECT_EQ(run_task(request(*b)->read("cas1")).value(), "x|i:1;y|i:1;")
      << "the second writer overwrote the first writer's key";
  EXPECT_EQ(file_content(path("cas1")), "x|i:1;y|i:1;");
  // The merged bytes are now the second request's base: its next write merges nothing.
  EXPECT_TRUE(run_task(second->write("cas1", "x|i:1;y|i:2;")).ok());
  EXPECT_EQ(run_task(request(*b)->read("cas1")).value(), "x|i:1;y|i:2;");
}

// A merge that is impossible is refused with the reason and changes nothing: here the stored
// session is not in the `php` serializer format.
TEST_F(TableHandlerTest, CasConflictThatCannotMergeIsRefusedWithTheReason) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  ASSERT_TRUE(run_task(request(*b)->write("cas2", "a|i:0;")).ok());
  auto first = request(*b);
  auto second = request(*b);
  ASSERT_EQ(run_task(first->read("cas2")).value(), "a|i:0;");
  ASSERT_EQ(run_task(second->read("cas2")).value(), "a|i:0;");
  ASSERT_TRUE(run_task(first->write("cas2", "not in the php format")).ok());
  auto refused = run_task(second->write("cas2", "a|i:1;"));
  ASSERT_FALSE(refused.ok()) << "an undecodable session was merged";
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);
  EXPECT_NE(refused.error().reason.find("current"), std::string::npos) << refused.error().reason;
  EXPECT_EQ(run_task(request(*b)->read("cas2")).value(), "not in the php format");
  EXPECT_EQ(file_content(path("cas2")), "not in the php format");
}

// Two first writes of one new id (P-55) merge into one session (never two rows); a write after
// another request's destroy (P-56) is refused, so no destroyed session comes back.
TEST_F(TableHandlerTest, CasMergesFirstWritesAndRefusesResurrection) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  auto first = request(*b);
  auto second = request(*b);
  ASSERT_EQ(run_task(first->read("new1")).value(), "");
  ASSERT_EQ(run_task(second->read("new1")).value(), "");
  ASSERT_TRUE(run_task(first->write("new1", "a|i:1;")).ok());
  auto both = run_task(second->write("new1", "b|i:1;"));
  ASSERT_TRUE(both.ok()) << both.error().reason;
  EXPECT_EQ(run_task(request(*b)->read("new1")).value(), "a|i:1;b|i:1;");
  EXPECT_EQ(b->rows_in_use(), 1U);

  auto reader = request(*b);
  ASSERT_EQ(run_task(reader->read("new1")).value(), "a|i:1;b|i:1;");
  ASSERT_TRUE(run_task(request(*b)->destroy("new1")).ok());
  auto revived = run_task(reader->write("new1", "a|i:1;b|i:1;"));
  ASSERT_FALSE(revived.ok()) << "a write resurrected a session destroyed meanwhile";
  EXPECT_EQ(revived.error().code, ErrorCode::conflict);
  EXPECT_NE(revived.error().reason.find("destroyed"), std::string::npos) << revived.error().reason;
  // The lazy touch of an unchanged session falls back to a write: refused as well.
  auto touched = run_task(reader->update_timestamp("new1", "a|i:1;b|i:1;"));
  ASSERT_FALSE(touched.ok()) << "a touch resurrected a session destroyed meanwhile";
  EXPECT_EQ(touched.error().code, ErrorCode::conflict);
  EXPECT_FALSE(run_task(request(*b)->validate_id("new1")).value());
  EXPECT_FALSE(fs::exists(path("new1")));
}

// A session that gc collected (it had expired) while a request held it is written back as
// given, as if the request had finished before the gc: gc is not a logout.
TEST_F(TableHandlerTest, WriteAfterAnotherRequestsGcStoresTheSession) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  ASSERT_TRUE(run_task(request(*b)->write("aging1", "cart|s:4:\"book\";")).ok());
  clock_.advance(90);
  auto holder = request(*b);
  ASSERT_EQ(run_task(holder->read("aging1")).value(), "cart|s:4:\"book\";");
  clock_.advance(20);
  auto collected = run_task(request(*b)->gc(100));
  ASSERT_TRUE(collected.ok()) << collected.error().reason;
  ASSERT_EQ(collected.value(), 1);
  auto wrote = run_task(holder->write("aging1", "cart|s:8:\"book+pen\";"));
  ASSERT_TRUE(wrote.ok()) << wrote.error().reason;
  EXPECT_EQ(run_task(request(*b)->read("aging1")).value(), "cart|s:8:\"book+pen\";");
}

// table.cas is a real scheduling point: a write landing there makes the swap fail, and the
// retry merges with it.
TEST_F(TableHandlerTest, CasPointLetsAnotherWriteInAndMergesWithIt) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  ASSERT_TRUE(run_task(request(*b)->write("window1", "base|i:0;")).ok());
  InterleavePoints interleave;
  auto slow = request(*b, &interleave);
  auto fast = request(*b);
  ASSERT_EQ(run_task(slow->read("window1")).value(), "base|i:0;");
  bool other_wrote = false;
  interleave.at_cas = [&]() -> handlers::Task<void> {
    other_wrote = (co_await fast->write("window1", "base|i:0;fast|i:1;")).ok();
  };
  auto r = run_task(slow->write("window1", "base|i:0;slow|i:2;"));
  ASSERT_TRUE(other_wrote) << "the interleaved write did not run";
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(run_task(request(*b)->read("window1")).value(), "base|i:0;fast|i:1;slow|i:2;")
      << "the swap missed a write made inside its window";
}

/// Lets `other` write a new value at every table.cas point, so every swap loses.
class AlwaysInterleave final : public handlers::IoPoints {
 public:
  explicit AlwaysInterleave(handlers::SessionHandler& other) : other_(other) {}
  handlers::Task<void> point(std::string_view what) override {
    if (what != "table.cas") co_return;
    ++points;
    (void)co_await other_.write("busy2", "n|i:" + std::to_string(points) + ";");
  }
  int points = 0;

 private:
  handlers::SessionHandler& other_;
};

// The retries are bounded: a writer whose every swap loses gives up with `conflict` and the
// reason after cas_attempts_max (4) attempts, leaving the other writer's data.
TEST_F(TableHandlerTest, CasRetriesAreBoundedAndEndInAConflict) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  ASSERT_TRUE(run_task(request(*b)->write("busy2", "n|i:0;")).ok());
  auto other = request(*b);
  ASSERT_EQ(run_task(other->read("busy2")).value(), "n|i:0;");
  AlwaysInterleave interleave(*other);
  auto loser = request(*b, &interleave);
  ASSERT_EQ(run_task(loser->read("busy2")).value(), "n|i:0;");
  auto r = run_task(loser->write("busy2", "n|i:0;mine|i:1;"));
  ASSERT_FALSE(r.ok()) << "a writer that lost every swap still wrote";
  EXPECT_EQ(r.error().code, ErrorCode::conflict);
  EXPECT_NE(r.error().reason.find("cas_attempts_max"), std::string::npos) << r.error().reason;
  EXPECT_EQ(interleave.points, 4);
  EXPECT_EQ(run_task(request(*b)->read("busy2")).value(), "n|i:4;");
}

TEST_F(TableHandlerTest, FullTableRefusesAndLeavesStoreUnchanged) {
  auto b = open_table("&fresh=1&rows=4");
  ASSERT_TRUE(b);
  auto h = request(*b);
  for (const char* id : {"r1", "r2", "r3", "r4"}) {
    ASSERT_TRUE(run_task(h->write(id, id)).ok()) << id;
  }
  auto full = run_task(h->write("r5", "r5"));
  ASSERT_FALSE(full.ok()) << "a fifth session fitted into rows=4";
  EXPECT_EQ(full.error().code, ErrorCode::capacity);
  EXPECT_NE(full.error().reason.find("rows_max=4"), std::string::npos) << full.error().reason;
  EXPECT_EQ(b->rows_in_use(), 4u);
  EXPECT_FALSE(fs::exists(path("r5"))) << "a refused write left a file";
  for (const char* id : {"r1", "r2", "r3", "r4"}) EXPECT_EQ(run_task(h->read(id)).value(), id);
  ASSERT_TRUE(run_task(h->destroy("r2")).ok());
  EXPECT_TRUE(run_task(h->write("r5", "r5")).ok()) << "a destroyed row was not reused";
}

TEST_F(TableHandlerTest, RowAndIdLimitsAreNamedInTheRefusal) {
  auto b = open_table("&fresh=1&row_bytes=100");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->guarantees().payload_bytes_max, 100u);
  auto h = request(*b);
  auto big = run_task(h->write("big1", std::string(101, 'x')));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::capacity);
  EXPECT_NE(big.error().reason.find("row_bytes_max=100"), std::string::npos);
  EXPECT_NE(big.error().reason.find("101"), std::string::npos) << big.error().reason;
  EXPECT_FALSE(fs::exists(path("big1")));
  EXPECT_TRUE(run_task(h->write("big1", std::string(100, 'x'))).ok());
  // sess_<id> must fit NAME_MAX (255): ids of 251..256 bytes are valid for PHP but unstorable,
  // so the table refuses them as ids (its Guarantees say id_bytes_max = 250).
  auto long_id = run_task(h->write(std::string(251, 'L'), "x"));
  ASSERT_FALSE(long_id.ok());
  EXPECT_EQ(long_id.error().code, ErrorCode::invalid_id) << long_id.error().reason;
  EXPECT_EQ(b->guarantees().store.id_bytes_max, 250u);
  EXPECT_TRUE(run_task(h->write(std::string(250, 'L'), "x")).ok());
}

TEST_F(TableHandlerTest, ReadOfUnknownIdsCreatesNoRow) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  auto h = request(*b);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(run_task(h->read("ghost" + std::to_string(i))).value(), "");
  }
  EXPECT_EQ(b->rows_in_use(), 0u) << "ZealPHP's empty-row-on-read came back";
}

TEST_F(TableHandlerTest, FilesMirrorRowsByteForByte) {
  auto b = open_table("&fresh=1");
  ASSERT_TRUE(b);
  auto h = request(*b);
  const std::string data = std::string("a\0b\xff|", 5);
  ASSERT_TRUE(run_task(h->write("mirror1", data)).ok());
  EXPECT_TRUE(file_content(path("mirror1")) == data);
  struct stat st {};
  ASSERT_EQ(::stat(path("mirror1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_mtime, start_s) << "the file's mtime must come from the handler's clock";
  clock_.advance(30);
  ASSERT_TRUE(run_task(h->update_timestamp("mirror1", "ignored")).ok());
  ASSERT_EQ(::stat(path("mirror1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, start_s + 30);
  EXPECT_TRUE(file_content(path("mirror1")) == data) << "updateTimestamp rewrote the data";
  ASSERT_TRUE(run_task(h->destroy("mirror1")).ok());
  EXPECT_FALSE(fs::exists(path("mirror1")));
}

// After a restart (segment gone, files kept) live sessions come back with their own mtime,
// and expired ones do not come back at all (ZealPHP revived them with a fresh TTL: R1).
TEST_F(TableHandlerTest, RebuildKeepsMtimeAndDropsExpired) {
  auto first = open_table("&fresh=1");
  ASSERT_TRUE(first);
  ASSERT_TRUE(run_task(request(*first)->write("aged1", "a|i:1;")).ok());
  clock_.advance(1000);
  ASSERT_TRUE(run_task(request(*first)->write("live1", "l|i:1;")).ok());
  first.reset();
  ASSERT_EQ(::shm_unlink(handlers::table_shm_name(name_).c_str()), 0);
  clock_.advance(500);  // aged1: 1500 s > ttl_s 1440; live1: 500 s
  auto second = open_table("");
  ASSERT_TRUE(second);
  auto h = request(*second);
  EXPECT_EQ(run_task(h->read("aged1")).value(), "") << "an expired session came back";
  EXPECT_FALSE(fs::exists(path("aged1")));
  EXPECT_EQ(run_task(h->read("live1")).value(), "l|i:1;");
  clock_.advance(200);  // live1 is 700 s old unless the rebuild refreshed it
  EXPECT_EQ(run_task(h->gc(600)).value(), 1) << "the rebuild gave live1 a fresh mtime";
}

TEST_F(TableHandlerTest, RebuildUsesTheLastGcLifetime) {
  auto first = open_table("&fresh=1");
  ASSERT_TRUE(first);
  auto h = request(*first);
  ASSERT_TRUE(run_task(h->write("short1", "s|i:1;")).ok());
  ASSERT_EQ(run_task(h->gc(100)).value(), 0);
  h.reset();
  first.reset();
  ASSERT_EQ(::shm_unlink(handlers::table_shm_name(name_).c_str()), 0);
  clock_.advance(150);
  auto second = open_table("");
  ASSERT_TRUE(second);
  EXPECT_EQ(run_task(request(*second)->read("short1")).value(), "");
}

TEST_F(TableHandlerTest, DefaultDirIsCreatedPrivate) {
  const std::string default_dir = "/tmp/sessionspec-table-" + name_;
  fs::remove_all(default_dir);
  auto made = handlers::make_backend("table:" + name_ + "?fresh=1", 1, clock_);
  ASSERT_TRUE(made.ok()) << made.error().reason;
  struct stat st {};
  ASSERT_EQ(::stat(default_dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  made.value().reset();
  fs::remove_all(default_dir);
}

TEST_F(TableHandlerTest, BadUrisAreRefusedWithTheReason) {
  auto refused = [this](const std::string& text, const std::string& needle) {
    auto made = handlers::make_backend(text, 1, clock_);
    ASSERT_FALSE(made.ok()) << text << " was accepted";
    EXPECT_NE(made.error().reason.find(needle), std::string::npos) << made.error().reason;
  };
  refused("table:bad/name", "NAME");
  refused(uri("&rows=0"), "rows");
  refused(uri("&row_bytes=abc"), "row_bytes");
  refused(uri("&bogus=1"), "unknown parameter 'bogus'");
  auto eight = open_table("&fresh=1&rows=8");
  ASSERT_TRUE(eight);
  refused(uri("&rows=16"), "rows=8");
}

}  // namespace
}  // namespace ss::conformance
