// The raw SQLite baseline of bench/handler_cycle_bench.cpp: one request cycle as the handler's
// own prepared statements (handlers/sqlite_handler.hpp, sqlite_sql) run it through sqlite3
// directly, on one connection prepared once, with the handler's settings (WAL, no busy handler).
//
// Why a bench may include sqlite3.h: the house rule "only the SQLite handler includes sqlite3" is
// about project code, which must reach SQLite through the seam. A baseline exists to measure what
// the seam and the handler add to the library, so it has to call the library itself. Built only
// when the SQLite handler is (bench/CMakeLists.txt).

#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <string>

#include "bench/cycle.hpp"
#include "handlers/sqlite_handler.hpp"

namespace ss::bench {
namespace {

constexpr std::int64_t now_s = 1'700'000'000;
constexpr std::int64_t ttl_s = 1440;

/// A connection with the statements a cycle uses, prepared once.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
            SQLITE_OK ||
        sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_exec(db_, handlers::sqlite_sql::schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
      return;
    }
    sqlite3_busy_timeout(db_, 0);
    ok_ = prepare(handlers::sqlite_sql::read, read_) &&
          prepare(handlers::sqlite_sql::upsert, upsert_) &&
          prepare(handlers::sqlite_sql::begin, begin_) &&
          prepare(handlers::sqlite_sql::commit, commit_);
  }
  ~RawSqlite() {
    for (sqlite3_stmt* st : {read_, upsert_, begin_, commit_}) sqlite3_finalize(st);
    sqlite3_close(db_);
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string error() const { return db_ ? sqlite3_errmsg(db_) : "out of memory"; }

  /// read + write, inside BEGIN IMMEDIATE ... COMMIT when `transactional`.
  bool cycle(const std::string& data, bool transactional) {
    if (transactional && !done(begin_)) return false;
    sqlite3_bind_text(read_, 1, cycle_id.data(), static_cast<int>(cycle_id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(read_, 2, static_cast<sqlite3_int64>(handlers::sqlite_payload_bytes_max));
    std::string read;
    int rc = sqlite3_step(read_);
    if (rc == SQLITE_ROW) {
      const void* p = sqlite3_column_blob(read_, 0);
      read.assign(static_cast<const char*>(p),
                  static_cast<std::size_t>(sqlite3_column_bytes(read_, 0)));
      rc = sqlite3_step(read_);
    }
    sqlite3_reset(read_);
    benchmark::DoNotOptimize(read);
    if (rc != SQLITE_DONE) return false;
    sqlite3_bind_text(upsert_, 1, cycle_id.data(), static_cast<int>(cycle_id.size()),
                      SQLITE_STATIC);
    sqlite3_bind_blob(upsert_, 2, data.data(), static_cast<int>(data.size()), SQLITE_STATIC);
    sqlite3_bind_int64(upsert_, 3, now_s);
    sqlite3_bind_int64(upsert_, 4, now_s + ttl_s);
    if (!done(upsert_)) return false;
    return !transactional || done(commit_);
  }

 private:
  bool prepare(const char* sql, sqlite3_stmt*& st) {
    return sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) == SQLITE_OK;
  }
  static bool done(sqlite3_stmt* st) {
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* read_ = nullptr;
  sqlite3_stmt* upsert_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  bool ok_ = false;
};

void sqlite_raw(benchmark::State& state, bool transactional) {
  const std::string path =
      cycle_scratch_dir(transactional ? "sqlite-tx-raw" : "sqlite-none-raw") + "/s.db";
  RawSqlite db(path);
  run_raw_cycles(
      state, [&](const std::string& data) { return db.ok() && db.cycle(data, transactional); },
      [&] { return "sqlite " + path + ": " + db.error(); });
}

BENCHMARK_CAPTURE(sqlite_raw, none, false)->Name("cycle/sqlite-none/raw")->UseRealTime();
BENCHMARK_CAPTURE(sqlite_raw, transactional, true)
    ->Name("cycle/sqlite-transactional/raw")
    ->UseRealTime();

}  // namespace
}  // namespace ss::bench
