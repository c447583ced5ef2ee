// The columns of the reliability matrix (columns.hpp). Each column's store lives under the
// test's scratch directory or under a key prefix / segment name of its own, so that tests never
// see each other's sessions and nothing is left behind.

#include "tests/reliability/columns.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "handlers/registry.hpp"
#include "handlers/table_handler.hpp"
#include "tests/reliability/raw_stores.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::reliability {
namespace {

/// Where a column's current store is: set by make(), read by reopen(), plant() and cleanup().
struct Place {
  std::string dir;
  std::string uri;
  std::string name;
};

std::string write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  return out.good() ? std::string() : "cannot write " + path;
}

int unique_number() {
  static int n = 0;
  return ++n;
}

Column memory_column() {
  Column c;
  c.label = "memory";
  c.make = [](const std::string&, handlers::Clock& clock) {
    return handlers::make_backend("memory", 1, clock);
  };
  // It keeps any id PHP hands it (declared: store.ids any, docs/handlers.md "Ids"): a hostile id
  // is a map key like any other, and the matrix still checks that nothing escapes the store.
  c.validates_ids = false;
  return c;
}

Column files_column() {
  auto at = std::make_shared<Place>();
  Column c;
  c.label = "files";
  c.multi_process = true;
  c.make = [at](const std::string& scratch, handlers::Clock& clock) {
    at->dir = scratch + "/files";
    ::mkdir(at->dir.c_str(), 0700);
    at->uri = "files:" + at->dir;
    return handlers::make_backend(at->uri, 1, clock);
  };
  c.reopen = [at](handlers::Clock& clock) { return handlers::make_backend(at->uri, 1, clock); };
  c.plant = [at](const std::string& id, const std::string& bytes) {
    return write_file(at->dir + "/sess_" + id, bytes);
  };
  return c;
}

Column table_column() {
  auto at = std::make_shared<Place>();
  Column c;
  c.label = "table";
  c.multi_process = true;
  c.make = [at](const std::string& scratch, handlers::Clock& clock) {
    at->dir = scratch + "/table";
    at->name = "reliability-" + std::to_string(::getpid()) + "-" + std::to_string(unique_number());
    at->uri = "table:" + at->name + "?rows=256&dir=" + at->dir;
    return handlers::make_backend(at->uri + "&fresh=1", 1, clock);
  };
  c.attach = [at](handlers::Clock& clock) { return handlers::make_backend(at->uri, 1, clock); };
  // A restart: the segment goes, the files stay and are loaded again.
  c.reopen = [at](handlers::Clock& clock) {
    ::shm_unlink(handlers::table_shm_name(at->name).c_str());
    return handlers::make_backend(at->uri, 1, clock);
  };
  c.plant = [at](const std::string& id, const std::string& bytes) {
    return write_file(at->dir + "/sess_" + id, bytes);
  };
  c.cleanup = [at] {
    if (!at->name.empty()) ::shm_unlink(handlers::table_shm_name(at->name).c_str());
  };
  return c;
}

#ifdef SESSIONSPEC_HAVE_SQLITE
Column sqlite_column(const std::string& lock) {
  auto at = std::make_shared<Place>();
  Column c;
  c.label = "sqlite_" + lock;
  c.multi_process = lock == "none";
  c.make = [at, lock](const std::string& scratch, handlers::Clock& clock) {
    at->dir = scratch + "/sessions.db";
    at->uri = "sqlite:" + at->dir + "?lock=" + lock;
    return handlers::make_backend(at->uri, 1, clock);
  };
  c.reopen = [at](handlers::Clock& clock) { return handlers::make_backend(at->uri, 1, clock); };
  c.plant = [at](const std::string& id, const std::string& bytes) {
    // mtime far in the future: the row is live whatever the test clock says.
    return sqlite_exec(
        at->dir,
        "INSERT OR REPLACE INTO sessions VALUES ('" + id + "', ?1, 4000000000, 4000001440)",
        &bytes);
  };
  return c;
}
#endif

#ifdef SESSIONSPEC_HAVE_REDIS
std::string redis_server() {
  return "redis://127.0.0.1:" + std::to_string(redis_port());
}

Column redis_column(const std::string& mode) {
  auto at = std::make_shared<Place>();
  Column c;
  c.label = "redis_" + mode;
  c.make = [at, mode](const std::string&, handlers::Clock& clock) {
    at->name = "ss-reliability:" + std::to_string(::getpid()) + ":" +
               std::to_string(unique_number()) + ":";
    at->uri = redis_server() + "?mode=" + mode + "&timeout_ms=1000&prefix=" + at->name;
    return handlers::make_backend(at->uri, 1, clock);
  };
  c.reopen = [at](handlers::Clock& clock) { return handlers::make_backend(at->uri, 1, clock); };
  c.plant = [at](const std::string& id, const std::string& bytes) {
    RawRedis raw(redis_port());
    const std::string answer = raw.cmd({"SET", at->name + id, bytes, "EX", "600"});
    return answer == "OK" ? std::string() : answer;
  };
  c.skip_reason = []() -> std::string {
    return redis_port() == 0 ? "REDIS_PORT is not set (the ctest fixture `redis` sets it)" : "";
  };
  c.cleanup = [at] {
    if (at->name.empty() || redis_port() == 0) return;
    const std::string cli = "redis-cli -p " + std::to_string(redis_port());
    const std::string cmd =
        cli + " --scan --pattern '" + at->name + "*' | xargs -r " + cli + " del >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
  };
  return c;
}
#endif

#ifdef SESSIONSPEC_HAVE_EXEC
Column exec_column() {
  Column c;
  c.label = "exec_php";
  c.validates_ids = false;
  c.enforces_payload_max = false;
  c.make = [](const std::string& scratch, handlers::Clock& clock) {
    const std::string src = test::source_dir();
    ::setenv("SESSIONSPEC_PDO_DSN", ("sqlite:" + scratch + "/pdo.db").c_str(), 1);
    return handlers::make_backend("exec:php " + src + "/adapters/php/serve.php " + src +
                                      "/adapters/php/fixtures/PdoSqliteHandler.php "
                                      "PdoSqliteHandler",
                                  1, clock);
  };
  c.skip_reason = []() -> std::string {
    return std::system("php -v >/dev/null 2>&1") == 0 ? "" : "php (php8.2-cli) is not installed";
  };
  return c;
}
#endif

}  // namespace

std::vector<Column> all_columns() {
  std::vector<Column> out = {memory_column(), files_column(), table_column()};
#ifdef SESSIONSPEC_HAVE_SQLITE
  out.push_back(sqlite_column("none"));
  out.push_back(sqlite_column("transactional"));
#endif
#ifdef SESSIONSPEC_HAVE_REDIS
  for (const char* mode : {"none", "optimistic", "lock"}) out.push_back(redis_column(mode));
#endif
#ifdef SESSIONSPEC_HAVE_EXEC
  out.push_back(exec_column());
#endif
  return out;
}

std::vector<Column> multi_process_columns() {
  std::vector<Column> out;
  for (Column& c : all_columns()) {
    if (c.multi_process) out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ss::reliability
