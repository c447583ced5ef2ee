// Backends that fail under the handler: servers that are gone, silent, or answer garbage, a
// server killed mid-run, databases locked or corrupt, store directories removed, segments
// unlinked, external handlers that exit or never greet. Every case must end within its named
// bound with an error whose code says what happened and whose reason names the cause (or, where
// the store survives, keep serving): never a hang, never a crash. Listed in docs/reliability.md.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/printable.hpp"
#include "handlers/registry.hpp"
#include "handlers/table_handler.hpp"
#include "tests/reliability/raw_stores.hpp"
#include "tests/reliability/support.hpp"
#include "tests/support/run_task.hpp"

namespace ss::reliability {
namespace {

namespace fs = std::filesystem;
using handlers::ErrorCode;
using testing_support::run_task;
using Steady = std::chrono::steady_clock;

/// A port nothing listens on (bound, read, released).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// A loopback server in a child process that accepts every connection and, when `reply` is
/// not empty, answers whatever arrives with it; otherwise it never answers. Killed on scope exit.
class FakeServer {
 public:
  explicit FakeServer(std::string reply) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) serve(fds[1], reply);
    ::close(fds[1]);
    if (::read(fds[0], &port_, sizeof port_) != sizeof port_) port_ = 0;
    ::close(fds[0]);
  }
  ~FakeServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  [[nodiscard]] int port() const { return port_; }

 private:
  [[noreturn]] static void serve(int report, const std::string& reply) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    const int port = ntohs(a.sin_port);
    (void)!::write(report, &port, sizeof port);
    std::vector<int> open;  // kept open: a silent server holds its connections
    for (int c; (c = ::accept(fd, nullptr, nullptr)) >= 0;) {
      open.push_back(c);
      char buf[4096];
      if (!reply.empty() && ::read(c, buf, sizeof buf) > 0) {
        (void)!::write(c, reply.data(), reply.size());
      }
    }
    ::_exit(0);
  }
  pid_t pid_ = -1;
  int port_ = 0;
};

/// A private redis-server in the foreground of a child process (so the test can SIGKILL it).
class PrivateRedis {
 public:
  explicit PrivateRedis(int port, const std::string& dir) : port_(port) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string p = std::to_string(port);
      ::execlp("redis-server", "redis-server", "--port", p.c_str(), "--bind", "127.0.0.1", "--save",
               "", "--appendonly", "no", "--dir", dir.c_str(), "--logfile",
               (dir + "/redis.log").c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !up(); ++i) ::usleep(20'000);
  }
  ~PrivateRedis() { kill(); }
  [[nodiscard]] bool up() const {
    const std::string cmd = "redis-cli -p " + std::to_string(port_) + " ping >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

/// Runs `op` and checks it failed with `code` within `bound`, naming its cause.
template <class T>
void expect_failure(handlers::Task<handlers::Result<T>> op, ErrorCode code,
                    std::chrono::milliseconds bound, const std::string& what) {
  const auto start = Steady::now();
  auto r = run_task(std::move(op));
  const auto took = Steady::now() - start;
  EXPECT_LT(took, bound) << what << " took "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                         << " ms";
  ASSERT_FALSE(r) << what << " succeeded";
  EXPECT_EQ(r.error().code, code) << what << ": " << r.error().reason;
  EXPECT_FALSE(r.error().reason.empty());
  EXPECT_EQ(base::printable(r.error().reason), r.error().reason);
}

/// make_backend(uri) must fail with `code` within `bound`.
void expect_no_backend(const std::string& uri, ErrorCode code, std::chrono::milliseconds bound) {
  handlers::ManualClock clock(1'700'000'000);
  const auto start = Steady::now();
  auto made = handlers::make_backend(uri, 1, clock);
  EXPECT_LT(Steady::now() - start, bound) << uri;
  ASSERT_FALSE(made) << uri << " was made";
  EXPECT_EQ(made.error().code, code) << uri << ": " << made.error().reason;
}

struct FailureCase {
  std::string label;
  std::function<std::string()> skip;
  std::function<void(const std::string& scratch)> body;
};
void PrintTo(const FailureCase& c, std::ostream* os) {
  *os << c.label;
}

std::string needs_redis_tools() {
  return std::system("redis-server --version >/dev/null 2>&1") == 0 ? "" : "no redis-server";
}
std::string needs_php() {
  return std::system("php -v >/dev/null 2>&1") == 0 ? "" : "php (php8.2-cli) is not installed";
}

using namespace std::chrono_literals;

std::vector<FailureCase> failure_cases() {
  std::vector<FailureCase> out;
#ifdef SESSIONSPEC_HAVE_REDIS
  out.push_back({"redis_closed_port", {}, [](const std::string&) {
                   expect_no_backend(
                       "redis://127.0.0.1:" + std::to_string(closed_port()) + "?timeout_ms=1000",
                       ErrorCode::connection, 1500ms);
                 }});
  out.push_back({"redis_silent_server", {}, [](const std::string&) {
                   FakeServer silent("");
                   ASSERT_NE(silent.port(), 0);
                   expect_no_backend(
                       "redis://127.0.0.1:" + std::to_string(silent.port()) + "?timeout_ms=1000",
                       ErrorCode::timeout, 2500ms);
                 }});
  out.push_back({"redis_garbage_server", {}, [](const std::string&) {
                   FakeServer garbage("HTTP/1.1 400 Bad Request\r\n\r\n\x01\x02garbage");
                   ASSERT_NE(garbage.port(), 0);
                   handlers::ManualClock clock(0);
                   const auto start = Steady::now();
                   auto made = handlers::make_backend(
                       "redis://127.0.0.1:" + std::to_string(garbage.port()) + "?timeout_ms=1000",
                       1, clock);
                   EXPECT_LT(Steady::now() - start, 2500ms);
                   ASSERT_FALSE(made);
                   EXPECT_EQ(base::printable(made.error().reason), made.error().reason);
                 }});
  out.push_back(
      {"redis_killed_mid_run", needs_redis_tools, [](const std::string& scratch) {
         const int port = closed_port();
         PrivateRedis server(port, scratch);
         ASSERT_TRUE(server.up()) << "redis-server did not start on " << port;
         handlers::ManualClock clock(1'700'000'000);
         handlers::IoPoints points;
         const std::string uri = "redis://127.0.0.1:" + std::to_string(port) + "?timeout_ms=1000";
         auto made = handlers::make_backend(uri, 1, clock);
         ASSERT_TRUE(made) << made.error().reason;
         auto h = made.value()->connect({&clock, &points, 1});
         ASSERT_TRUE(run_task(h->write("alive1", "a|i:1;")));
         server.kill();
         expect_failure(h->read("alive1"), ErrorCode::connection, 2000ms,
                        "read after the server was killed");
         expect_failure(made.value()->connect({&clock, &points, 2})->write("x1", "x"),
                        ErrorCode::connection, 2000ms, "a new request's write");
         // The next server on the port is used again: one attempt per operation.
         PrivateRedis again(port, scratch);
         ASSERT_TRUE(again.up());
         auto back = run_task(made.value()->connect({&clock, &points, 3})->read("alive1"));
         ASSERT_TRUE(back) << back.error().reason;
         EXPECT_EQ(back.value(), "") << "the data went with the unpersisted server";
       }});
#endif
#ifdef SESSIONSPEC_HAVE_SQLITE
  out.push_back({"sqlite_locked_database", {}, [](const std::string& scratch) {
                   const std::string db = scratch + "/locked.db";
                   handlers::ManualClock clock(1'700'000'000);
                   handlers::IoPoints points;
                   auto made = handlers::make_backend(
                       "sqlite:" + db + "?lock=transactional&busy_timeout_ms=300", 1, clock);
                   ASSERT_TRUE(made) << made.error().reason;
                   auto holder = made.value()->connect({&clock, &points, 1});
                   ASSERT_TRUE(run_task(holder->read("held1")));  // BEGIN IMMEDIATE
                   expect_failure(made.value()->connect({&clock, &points, 2})->read("held1"),
                                  ErrorCode::timeout, 2000ms, "read of a locked database");
                 }});
  out.push_back({"sqlite_corrupt_file", {}, [](const std::string& scratch) {
                   const std::string db = scratch + "/corrupt.db";
                   std::ofstream(db) << std::string(8192, '\xa5');
                   expect_no_backend("sqlite:" + db, ErrorCode::io, 2000ms);
                 }});
  out.push_back({"sqlite_directory_removed", {}, [](const std::string& scratch) {
                   const std::string dir = scratch + "/gone";
                   fs::create_directories(dir);
                   handlers::ManualClock clock(1'700'000'000);
                   handlers::IoPoints points;
                   auto made = handlers::make_backend("sqlite:" + dir + "/s.db", 1, clock);
                   ASSERT_TRUE(made) << made.error().reason;
                   fs::remove_all(dir);
                   expect_failure(made.value()->connect({&clock, &points, 1})->write("w1", "x"),
                                  ErrorCode::io, 2000ms, "write after the directory went");
                 }});
#endif
  out.push_back({"files_directory_removed", {}, [](const std::string& scratch) {
                   const std::string dir = scratch + "/gone";
                   fs::create_directories(dir);
                   handlers::ManualClock clock(1'700'000'000);
                   handlers::IoPoints points;
                   auto made = handlers::make_backend("files:" + dir, 1, clock);
                   ASSERT_TRUE(made) << made.error().reason;
                   fs::remove_all(dir);
                   auto h = made.value()->connect({&clock, &points, 1});
                   expect_failure(h->write("w1", "x"), ErrorCode::io, 2000ms, "write");
                   expect_failure(h->gc(10), ErrorCode::io, 2000ms, "gc");
                 }});
  out.push_back({"files_session_is_a_directory", {}, [](const std::string& scratch) {
                   const std::string dir = scratch + "/files";
                   fs::create_directories(dir + "/sess_dir1");
                   handlers::ManualClock clock(1'700'000'000);
                   handlers::IoPoints points;
                   auto made = handlers::make_backend("files:" + dir, 1, clock);
                   ASSERT_TRUE(made) << made.error().reason;
                   auto h = made.value()->connect({&clock, &points, 1});
                   expect_failure(h->read("dir1"), ErrorCode::io, 2000ms, "read");
                   expect_failure(h->write("dir1", "x"), ErrorCode::io, 2000ms, "write");
                   EXPECT_TRUE(fs::is_directory(dir + "/sess_dir1"));
                 }});
  out.push_back(
      {"table_segment_removed_mid_run", {}, [](const std::string& scratch) {
         handlers::ManualClock clock(1'700'000'000);
         handlers::IoPoints points;
         const std::string name = "reliability-gone-" + std::to_string(::getpid());
         const std::string uri = "table:" + name + "?rows=64&dir=" + scratch + "/t&fresh=1";
         auto made = handlers::make_backend(uri, 1, clock);
         ASSERT_TRUE(made) << made.error().reason;
         ASSERT_TRUE(run_task(made.value()->connect({&clock, &points, 1})->write("k1", "k|i:1;")));
         ::shm_unlink(handlers::table_shm_name(name).c_str());
         // This backend keeps its mapping; the next one rebuilds from the files.
         auto h = made.value()->connect({&clock, &points, 2});
         EXPECT_EQ(run_task(h->read("k1")).value(), "k|i:1;");
         auto next =
             handlers::make_backend("table:" + name + "?rows=64&dir=" + scratch + "/t", 1, clock);
         ASSERT_TRUE(next) << next.error().reason;
         EXPECT_EQ(run_task(next.value()->connect({&clock, &points, 3})->read("k1")).value(),
                   "k|i:1;");
         ::shm_unlink(handlers::table_shm_name(name).c_str());
       }});
#ifdef SESSIONSPEC_HAVE_EXEC
  out.push_back({"exec_command_exits", needs_php, [](const std::string&) {
                   expect_no_backend("exec:true", ErrorCode::connection, 3000ms);
                 }});
  out.push_back({"exec_never_greets", {}, [](const std::string&) {
                   expect_no_backend("exec:sleep 5?timeout_ms=500", ErrorCode::connection, 3000ms);
                 }});
  out.push_back({"exec_answers_garbage", {}, [](const std::string&) {
                   const auto start = Steady::now();
                   handlers::ManualClock clock(0);
                   auto made = handlers::make_backend("exec:echo '\x1b[2J garbage'", 1, clock);
                   EXPECT_LT(Steady::now() - start, 3000ms);
                   ASSERT_FALSE(made);
                   // The reason quotes the child's bytes; the command line escapes them where
                   // it prints (base::printable), which TextTrace.D17_* checks.
                   EXPECT_NE(made.error().reason.find("garbage"), std::string::npos);
                 }});
#endif
  return out;
}

class BackendFailures : public ::testing::TestWithParam<FailureCase> {};

TEST_P(BackendFailures, EndInBoundedTimeWithANamedCause) {
  const FailureCase& c = GetParam();
  if (c.skip) {
    const std::string why = c.skip();
    if (!why.empty()) GTEST_SKIP() << why;
  }
  ScratchDir scratch("failures");
  ASSERT_TRUE(scratch.ok());
  c.body(scratch.path());
}

INSTANTIATE_TEST_SUITE_P(Cases, BackendFailures, ::testing::ValuesIn(failure_cases()),
                         [](const ::testing::TestParamInfo<FailureCase>& i) {
                           return i.param.label;
                         });

}  // namespace
}  // namespace ss::reliability
