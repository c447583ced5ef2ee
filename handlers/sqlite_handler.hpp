#pragma once
// `sqlite:PATH[?lock=none|transactional&busy_timeout_ms=N&ttl_s=N&fresh=0|1]`: sessions in one
// SQLite file in WAL mode, table `sessions(id TEXT PRIMARY KEY, data BLOB NOT NULL, mtime
// INTEGER NOT NULL, expiry INTEGER NOT NULL)`. Data are BLOBs, so any bytes (NUL included)
// survive. Expiry is lazy, as in Symfony's PdoSessionHandler: a row older than ttl_s reads as ""
// (and validates as false) before gc removes it; `expiry` (mtime + ttl_s) is kept for outside
// readers of the table.
//
// `transactional` follows Symfony's PdoSessionHandler LOCK_TRANSACTIONAL: BEGIN IMMEDIATE at
// read(), COMMIT at close() or destroy(); unlike Symfony, write() and updateTimestamp() also
// commit before they answer and take the lock again at once: a write answers true only once it
// is durable, since PHP ignores close()'s answer and a COMMIT failing there (a full disk) would
// lose an acknowledged write silently. The lock still spans read() to close(), but for the
// instant between that COMMIT and the next BEGIN IMMEDIATE, in which another process may take
// it (only a request that writes twice can notice). SQLite's write lock covers the whole
// database, so the placeholder row Symfony inserts for a missing id (to have a row to lock on
// MySQL/PostgreSQL) is not needed and never inserted: reading an unknown id creates nothing. The
// price is that a transactional request blocks every other transactional request, whatever its
// session.
//
// Waiting for a busy database is cooperative: SQLite's own busy handler (which sleeps inside the
// call) is off, and SQLITE_BUSY is retried through IoPoints::blocked, at most busy_timeout_ms /
// 10 times, so that the explorer can run the holder meanwhile.
//
// The database file is created with mode 0600 (SQLite gives its -wal and -shm files the same
// mode). Sessions over sqlite_payload_bytes_max are refused with ErrorCode::capacity on write,
// and on read without loading them.
//
// Deliberately free of sqlite3 includes; only sqlite_handler.cpp (and sqlite_* tests) see it.

#include <cstdint>
#include <memory>
#include <string>

#include "handlers/handler_uri.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

enum class SqliteLock : std::uint8_t { none, transactional };

/// The largest session read or written (Guarantees::payload_bytes_max).
inline constexpr std::size_t sqlite_payload_bytes_max = payload_bytes_max_default;

/// Everything a `sqlite:` URI says.
struct SqliteConfig {
  std::string path;
  SqliteLock lock = SqliteLock::none;
  /// How long a statement waits for another connection's write lock before ErrorCode::timeout.
  int busy_timeout_ms = 2000;
  /// Rows older than this read as "" (session.gc_maxlifetime's default).
  std::int64_t ttl_s = 1440;
  /// `fresh=1`: SqliteBackend::create deletes every row first, so that the store starts empty
  /// (scenario runs and the conformance suite need it).
  bool fresh = false;
};

/// Reads a parsed `sqlite:` URI; fails with ErrorCode::unsupported and a one-line reason.
[[nodiscard]] Result<SqliteConfig> parse_sqlite_config(const HandlerUri& uri);

/// The SQL the handler prepares (one statement each). Public so that the raw-sqlite3 baseline in
/// bench/ prepares exactly the handler's statements.
namespace sqlite_sql {
inline constexpr const char* schema =
    "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, data BLOB NOT NULL, "
    "mtime INTEGER NOT NULL, expiry INTEGER NOT NULL)";
/// ?1 id, ?2 the largest payload read: a longer one comes back as NULL (with its length), so
/// that SQLite never loads it (length() of a blob reads no content).
inline constexpr const char* read =
    "SELECT CASE WHEN length(data) <= ?2 THEN data END, mtime, length(data) FROM sessions "
    "WHERE id = ?1";
inline constexpr const char* exists = "SELECT mtime FROM sessions WHERE id = ?1";
/// ?1 id, ?2 data, ?3 mtime, ?4 expiry.
inline constexpr const char* upsert =
    "INSERT INTO sessions (id, data, mtime, expiry) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(id) DO UPDATE SET data = excluded.data, mtime = excluded.mtime, "
    "expiry = excluded.expiry";
inline constexpr const char* touch = "UPDATE sessions SET mtime = ?2, expiry = ?3 WHERE id = ?1";
inline constexpr const char* remove = "DELETE FROM sessions WHERE id = ?1";
/// ?1 the oldest mtime kept.
inline constexpr const char* gc = "DELETE FROM sessions WHERE mtime < ?1";
inline constexpr const char* begin = "BEGIN IMMEDIATE";
inline constexpr const char* commit = "COMMIT";
}  // namespace sqlite_sql

struct SqliteShared;

/// A session database file. Each request (connect()) has a sqlite3 connection of its own while it
/// runs, as each PHP process has; when the handler goes away a connection outside any
/// transaction goes back, with its prepared statements, to the backend's idle pool (at most
/// 16), and the next request reuses it, as a persistent PDO connection would be.
class SqliteFaults;

class SqliteBackend final : public Backend {
 public:
  /// Opens the file (creating it), switches it to WAL and creates the table; fails with
  /// ErrorCode::io and the reason when any of that is impossible.
  static Result<std::unique_ptr<SqliteBackend>> create(SqliteConfig config, std::uint64_t seed,
                                                       Clock& clock);
  ~SqliteBackend() override;
  [[nodiscard]] std::string uri() const override;
  [[nodiscard]] Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;
  [[nodiscard]] const SqliteConfig& config() const { return config_; }
  /// Makes the database busy for real (another connection holds BEGIN IMMEDIATE):
  /// BackendFault::busy.
  [[nodiscard]] FaultDriver* fault_driver() override;

 private:
  SqliteBackend(SqliteConfig config, std::uint64_t seed);
  SqliteConfig config_;
  std::shared_ptr<SqliteShared> shared_;
  std::unique_ptr<SqliteFaults> faults_;
};

}  // namespace ss::handlers
