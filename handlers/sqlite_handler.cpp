#include "handlers/sqlite_handler.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "handlers/factories.hpp"
#include "handlers/faults.hpp"
#include "handlers/idle_pool.hpp"
#include "model/engine.hpp"
#include "model/rng.hpp"

namespace ss::handlers {

namespace {

/// The prepared statements of a connection, by purpose.
enum Stmt : std::size_t {
  st_read,
  st_exists,
  st_upsert,
  st_touch,
  st_delete,
  st_gc,
  st_begin,
  st_commit,
  st_count,
};

/// A connection with every statement prepared.
struct PreparedDb {
  sqlite3* db = nullptr;
  std::array<sqlite3_stmt*, st_count> stmts{};
};

void close_db(PreparedDb& p) {
  for (sqlite3_stmt*& st : p.stmts) sqlite3_finalize(std::exchange(st, nullptr));
  sqlite3_close(std::exchange(p.db, nullptr));
}

// A connection comes back only outside any transaction (the handler checks), and an idle one has
// no state another request could trip over (each statement is reset and its bindings cleared
// before use).
bool reusable(const PreparedDb&) {
  return true;
}

/// Connections of finished requests, with their prepared statements, reused by the next
/// requests of the backend (as a PHP worker keeps a persistent PDO connection): a request then
/// costs its statements, not opening the file, preparing eight statements and, when the last
/// connection closes, a WAL checkpoint. Only connections outside any transaction come here.
using DbPool = IdlePool<PreparedDb>;

}  // namespace

/// What the handlers of one backend share.
struct SqliteShared {
  // A constructor for make_shared: clang 14 cannot initialise an aggregate from parentheses.
  SqliteShared(SqliteConfig c, model::Rng r) : config(std::move(c)), rng(r) {}

  SqliteConfig config;
  model::Rng rng;
  DbPool pool{close_db, reusable};
};

namespace {

/// The default IoPoints waits about this long per blocked() call, so busy_timeout_ms becomes
/// busy_timeout_ms / busy_poll_ms attempts (a count, so the explorer stays deterministic).
constexpr int busy_poll_ms = 10;
/// create_sid draws at most this many ids (PHP's files handler does the same).
constexpr int create_sid_tries_max = 3;
constexpr std::int64_t ttl_s_max = 10LL * 365 * 24 * 3600;
constexpr std::int64_t busy_timeout_ms_max = 600'000;

constexpr std::array<const char*, st_count> stmt_sql = {
    sqlite_sql::read,   sqlite_sql::exists, sqlite_sql::upsert, sqlite_sql::touch,
    sqlite_sql::remove, sqlite_sql::gc,     sqlite_sql::begin,  sqlite_sql::commit,
};

HandlerError db_error(sqlite3* db, const std::string& path, std::string_view what) {
  return fail(ErrorCode::io, "sqlite " + path + ": " + std::string(what) + ": " +
                                 (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

/// Creates the database file with mode 0600 when it does not exist (SQLite would use 0644 less
/// the umask, and copies the database's mode to its -wal and -shm files). An existing file is
/// left as it is.
Status create_private(const std::string& path) {
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return ok_status();
  }
  if (errno == EEXIST) return ok_status();
  return fail(ErrorCode::io, "sqlite " + path + ": cannot create: " + std::strerror(errno));
}

/// Opens `path` with SQLite's sleeping busy handler off (waits are cooperative, see header).
Result<sqlite3*> open_db(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    HandlerError e = db_error(db, path, "cannot open");
    sqlite3_close(db);
    return e;
  }
  sqlite3_busy_timeout(db, 0);
  sqlite3_extended_result_codes(db, 0);
  return db;
}

void bind_text(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

void bind_blob(sqlite3_stmt* st, int i, const std::string& s) {
  // A null pointer would bind NULL; an empty session must stay a zero-length BLOB.
  if (s.empty()) {
    sqlite3_bind_zeroblob(st, i, 0);
  } else {
    sqlite3_bind_blob(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
}

class SqliteHandler final : public SessionHandler {
 public:
  SqliteHandler(std::shared_ptr<SqliteShared> shared, RequestEnv env)
      : shared_(std::move(shared)), config_(shared_->config), env_(env) {}
  ~SqliteHandler() override;
  SqliteHandler(const SqliteHandler&) = delete;
  SqliteHandler& operator=(const SqliteHandler&) = delete;

  Task<Status> open(std::string, std::string) override { co_return ensure(); }
  Task<Status> close() override { co_return end_transaction(); }
  Task<Result<std::string>> read(std::string id) override;
  Task<Status> write(std::string id, std::string data) override;
  Task<Status> destroy(std::string id) override;
  Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) override;
  Task<Result<std::string>> create_sid() override;
  Task<Result<bool>> validate_id(std::string id) override;
  Task<Status> update_timestamp(std::string id, std::string data) override;
  // A dead process's connection closes without a COMMIT: SQLite rolls its transaction back.
  void crash() override {
    in_transaction_ = false;
    if (conn_.db != nullptr) close_db(conn_);
  }

 private:
  using RowFn = std::function<void(sqlite3_stmt*)>;
  Status ensure();
  /// Runs statement `s` (bound by `bind`) to completion, handing each row to `on_row`.
  Task<Status> exec(Stmt s, const RowFn& bind, const RowFn& on_row);
  /// `transactional`: BEGIN IMMEDIATE unless this request already holds the write lock.
  Task<Status> lock_if_transactional();
  Status end_transaction();
  /// Commits what this request wrote, then takes the lock again (see the definition).
  Task<Status> commit_and_relock();
  Task<Status> upsert(const std::string& id, const std::string& data);
  [[nodiscard]] std::int64_t now_s() const { return env_.clock->now_s(); }

  std::shared_ptr<SqliteShared> shared_;
  const SqliteConfig& config_;
  RequestEnv env_;
  /// This request's connection (from the pool or opened by ensure()).
  PreparedDb conn_;
  bool in_transaction_ = false;
};

SqliteHandler::~SqliteHandler() {
  // A request that ends without close() (ZealPHP never calls it) keeps what it wrote: write()
  // already answered true, so rolling back would make that answer a lie.
  (void)end_transaction();
  if (conn_.db == nullptr) return;
  // A transaction that could not be ended is never handed to another request.
  if (sqlite3_get_autocommit(conn_.db) != 0) {
    shared_->pool.give(std::exchange(conn_, PreparedDb{}));
  } else {
    close_db(conn_);
  }
}

Status SqliteHandler::ensure() {
  if (conn_.db != nullptr) return ok_status();
  if (auto idle = shared_->pool.take()) {
    conn_ = *idle;
    return ok_status();
  }
  auto opened = open_db(config_.path);
  if (!opened) return opened.error();
  conn_.db = opened.value();
  for (std::size_t i = 0; i < st_count; ++i) {
    if (sqlite3_prepare_v3(conn_.db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &conn_.stmts[i],
                           nullptr) != SQLITE_OK) {
      HandlerError e =
          db_error(conn_.db, config_.path, std::string("cannot prepare ") + stmt_sql[i]);
      close_db(conn_);
      return e;
    }
  }
  return ok_status();
}

// SQLITE_BUSY (another connection holds the write lock) is retried after IoPoints::blocked; a
// statement that fails part way is reset, and its bindings survive the reset.
Task<Status> SqliteHandler::exec(Stmt s, const RowFn& bind, const RowFn& on_row) {
  if (auto up = ensure(); !up) co_return up.error();
  sqlite3_stmt* st = conn_.stmts[s];
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (bind) bind(st);
  const int attempts = 1 + config_.busy_timeout_ms / busy_poll_ms;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    int rc = SQLITE_ROW;
    // Each step yields a row or finishes; a result set is finite, so this ends.
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if (on_row) on_row(st);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) co_return ok_status();
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) {
      co_return db_error(conn_.db, config_.path, stmt_sql[s]);
    }
    if (attempt + 1 == attempts ||
        !co_await env_.points->blocked("sqlite busy " + config_.path, attempt)) {
      break;
    }
  }
  co_return fail(ErrorCode::timeout, "sqlite " + config_.path + ": database still locked by " +
                                         "another connection after " +
                                         std::to_string(config_.busy_timeout_ms) +
                                         " ms (busy_timeout_ms)");
}

Task<Status> SqliteHandler::lock_if_transactional() {
  if (config_.lock != SqliteLock::transactional || in_transaction_) co_return ok_status();
  auto begun = co_await exec(st_begin, nullptr, nullptr);
  if (!begun) co_return begun;
  in_transaction_ = true;
  co_return ok_status();
}

// The answer true acknowledges a write, so its transaction commits before the answer, not at
// close(): PHP ignores close()'s answer, and a COMMIT that failed there (a full disk) would lose
// an acknowledged write without a word. A COMMIT that fails rolls back: the write fails and the
// session keeps its previous data. Then the lock is taken again at once (no other task runs in
// between in-process), so that it still spans read() to close(); another process may take it in
// that gap, which only a request that writes twice can notice. Failing to take it again does
// not undo the write, which stays acknowledged.
Task<Status> SqliteHandler::commit_and_relock() {
  if (!in_transaction_) co_return ok_status();
  if (Status committed = end_transaction(); !committed) co_return committed;
  auto relocked = co_await lock_if_transactional();
  (void)relocked;
  co_return ok_status();
}

Status SqliteHandler::end_transaction() {
  if (!in_transaction_) return ok_status();
  in_transaction_ = false;
  // In WAL mode a COMMIT of an IMMEDIATE transaction needs no further lock, so it cannot be
  // busy; a synchronous step is enough (and usable from the destructor).
  sqlite3_stmt* st = conn_.stmts[st_commit];
  sqlite3_reset(st);
  const int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) {
    HandlerError e = db_error(conn_.db, config_.path, "COMMIT");
    if (!sqlite3_get_autocommit(conn_.db))
      sqlite3_exec(conn_.db, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return ok_status();
}

// A row's payload is copied only when it is at most sqlite_payload_bytes_max bytes: the
// statement returns NULL for a longer one (length() counts characters of a TEXT value written
// by someone else, so such a value is checked again by its byte count here).
Task<Result<std::string>> SqliteHandler::read(std::string id) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  if (auto locked = co_await lock_if_transactional(); !locked) co_return locked.error();
  std::optional<std::string> data;
  std::int64_t mtime = 0;
  std::int64_t bytes = 0;
  auto done = co_await exec(
      st_read,
      [&](sqlite3_stmt* st) {
        bind_text(st, 1, id);
        sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(sqlite_payload_bytes_max));
      },
      [&](sqlite3_stmt* st) {
        mtime = sqlite3_column_int64(st, 1);
        bytes = sqlite3_column_int64(st, 2);
        data.emplace();
        const void* p = sqlite3_column_blob(st, 0);
        const int n = sqlite3_column_bytes(st, 0);
        if (p != nullptr && static_cast<std::size_t>(n) <= sqlite_payload_bytes_max) {
          data->assign(static_cast<const char*>(p), static_cast<std::size_t>(n));
        } else if (p != nullptr) {
          bytes = n;
        }
      });
  if (!done) co_return done.error();
  // Expiry is lazy: an expired row is gone for readers even before gc deletes it.
  if (!data || now_s() - mtime > config_.ttl_s) co_return std::string();
  if (data->empty() && static_cast<std::uint64_t>(bytes) > sqlite_payload_bytes_max) {
    co_return payload_too_large("sqlite " + config_.path + " (session '" + id + "')",
                                static_cast<std::uint64_t>(bytes), sqlite_payload_bytes_max);
  }
  co_return std::move(*data);
}

Task<Status> SqliteHandler::upsert(const std::string& id, const std::string& data) {
  const std::int64_t now = now_s();
  co_return co_await exec(
      st_upsert,
      [&](sqlite3_stmt* st) {
        bind_text(st, 1, id);
        bind_blob(st, 2, data);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_int64(st, 4, now + config_.ttl_s);
      },
      nullptr);
}

Task<Status> SqliteHandler::write(std::string id, std::string data) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  if (data.size() > sqlite_payload_bytes_max) {
    co_return payload_too_large("sqlite " + config_.path, data.size(), sqlite_payload_bytes_max);
  }
  // A write without a read takes the lock too.
  if (auto locked = co_await lock_if_transactional(); !locked) co_return locked;
  auto stored = co_await upsert(id, data);
  if (!stored) co_return stored;
  co_return co_await commit_and_relock();
}

Task<Status> SqliteHandler::update_timestamp(std::string id, std::string data) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  if (auto locked = co_await lock_if_transactional(); !locked) co_return locked;
  const std::int64_t now = now_s();
  auto touched = co_await exec(
      st_touch,
      [&](sqlite3_stmt* st) {
        bind_text(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, now + config_.ttl_s);
      },
      nullptr);
  if (!touched) co_return touched;
  // No row to touch: store the data, as PHP's files handler falls back to a write.
  if (sqlite3_changes(conn_.db) == 0) {
    auto stored = co_await upsert(id, data);
    if (!stored) co_return stored;
  }
  co_return co_await commit_and_relock();
}

Task<Status> SqliteHandler::destroy(std::string id) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  auto done = co_await exec(
      st_delete, [&](sqlite3_stmt* st) { bind_text(st, 1, id); }, nullptr);
  if (!done) co_return done;
  // Symfony commits on destroy too: the request is done with the session.
  co_return end_transaction();
}

Task<Result<std::int64_t>> SqliteHandler::gc(std::int64_t max_lifetime_s) {
  const std::int64_t cutoff = gc_cutoff_s(now_s(), max_lifetime_s);
  auto done = co_await exec(
      st_gc, [&](sqlite3_stmt* st) { sqlite3_bind_int64(st, 1, cutoff); }, nullptr);
  if (!done) co_return done.error();
  co_return static_cast<std::int64_t>(sqlite3_changes(conn_.db));
}

Task<Result<std::string>> SqliteHandler::create_sid() {
  for (int tries = 0; tries < create_sid_tries_max; ++tries) {
    std::string id = model::php_made_id(shared_->rng, 26, 5);
    bool exists = false;
    // Any row counts, expired or not: gc has not removed it, so the id is not unused.
    auto done = co_await exec(
        st_exists, [&](sqlite3_stmt* st) { bind_text(st, 1, id); },
        [&](sqlite3_stmt*) { exists = true; });
    if (!done) co_return done.error();
    if (!exists) co_return id;
  }
  co_return fail(ErrorCode::conflict,
                 "create_sid: " + std::to_string(create_sid_tries_max) + " colliding ids in a row");
}

Task<Result<bool>> SqliteHandler::validate_id(std::string id) {
  if (!model::valid_session_id(id)) co_return false;
  std::optional<std::int64_t> mtime;
  auto done = co_await exec(
      st_exists, [&](sqlite3_stmt* st) { bind_text(st, 1, id); },
      [&](sqlite3_stmt* st) { mtime = sqlite3_column_int64(st, 0); });
  if (!done) co_return done.error();
  co_return mtime.has_value() && now_s() - *mtime <= config_.ttl_s;
}

HandlerError bad_uri(const std::string& why) {
  return fail(ErrorCode::unsupported, "sqlite URI: " + why);
}

std::optional<std::int64_t> to_int(std::string_view s, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::optional<HandlerError> parse_param(const std::string& k, const std::string& v,
                                        SqliteConfig& c) {
  if (k == "lock") {
    if (v == "none")
      c.lock = SqliteLock::none;
    else if (v == "transactional")
      c.lock = SqliteLock::transactional;
    else
      return bad_uri("lock '" + v + "' (want none or transactional)");
    return std::nullopt;
  }
  if (k == "busy_timeout_ms") {
    auto n = to_int(v, 0, busy_timeout_ms_max);
    if (!n) return bad_uri("busy_timeout_ms=" + v + " (want an integer in 0..600000)");
    c.busy_timeout_ms = static_cast<int>(*n);
    return std::nullopt;
  }
  if (k == "ttl_s") {
    auto n = to_int(v, 1, ttl_s_max);
    if (!n) return bad_uri("ttl_s=" + v + " (want a positive integer of seconds)");
    c.ttl_s = *n;
    return std::nullopt;
  }
  if (k == "fresh") {
    if (v != "0" && v != "1") return bad_uri("fresh=" + v + " (want 0 or 1)");
    c.fresh = v == "1";
    return std::nullopt;
  }
  return bad_uri("unknown parameter '" + k + "' (want lock, busy_timeout_ms, ttl_s, fresh)");
}

/// Creates the file if needed, switches it to WAL (a persistent setting) and creates the table;
/// empties it when `fresh`. Runs before any request, so SQLite's own (sleeping) busy handler is
/// fine here.
Status prepare_file(const std::string& path, bool fresh, int busy_timeout_ms) {
  if (Status created = create_private(path); !created) return created;
  auto opened = open_db(path);
  if (!opened) return opened.error();
  sqlite3* db = opened.value();
  sqlite3_busy_timeout(db, busy_timeout_ms);
  std::string mode;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  Status result = ok_status();
  if (mode != "wal") {
    result = db_error(db, path, "cannot switch to WAL (journal_mode is '" + mode + "')");
  } else if (sqlite3_exec(db, sqlite_sql::schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    result = db_error(db, path, "cannot create the sessions table");
  } else if (fresh &&
             sqlite3_exec(db, "DELETE FROM sessions", nullptr, nullptr, nullptr) != SQLITE_OK) {
    result = db_error(db, path, "fresh=1: cannot empty the sessions table");
  }
  sqlite3_close(db);
  return result;
}

}  // namespace

Result<SqliteConfig> parse_sqlite_config(const HandlerUri& uri) {
  SqliteConfig c;
  c.path = uri.target;
  if (c.path == ":memory:" || c.path.rfind("file:", 0) == 0) {
    return bad_uri("'" + c.path +
                   "': want a file path (every request opens its own connection, "
                   "so an in-memory database would not be shared)");
  }
  for (const auto& [k, v] : uri.params) {
    if (auto e = parse_param(k, v, c)) return *e;
  }
  return c;
}

SqliteBackend::SqliteBackend(SqliteConfig config, std::uint64_t seed)
    : config_(config),
      shared_(
          std::make_shared<SqliteShared>(std::move(config), model::Rng::for_handler_ids(seed))) {}

/// BackendFault::busy for real: a connection of its own takes the write lock (BEGIN
/// IMMEDIATE), as another process's long transaction or a backup would, until end().
class SqliteFaults final : public FaultDriver {
 public:
  explicit SqliteFaults(std::string path) : path_(std::move(path)) {}
  ~SqliteFaults() override { end(BackendFault::busy); }
  SqliteFaults(const SqliteFaults&) = delete;
  SqliteFaults& operator=(const SqliteFaults&) = delete;
  [[nodiscard]] bool supports(BackendFault f) const override { return f == BackendFault::busy; }
  Status begin(BackendFault f, std::uint64_t request_id) override;
  void end(BackendFault f) override;

 private:
  std::string path_;
  sqlite3* holder_ = nullptr;
};

Status SqliteFaults::begin(BackendFault f, std::uint64_t) {
  if (f != BackendFault::busy) {
    return fail(ErrorCode::unsupported,
                "sqlite: no " + std::string(backend_fault_name(f)) + " fault (only busy)");
  }
  if (holder_ != nullptr) return ok_status();
  auto opened = open_db(path_);
  if (!opened) return opened.error();
  holder_ = opened.value();
  // Another request's transaction may hold the lock already: the database is busy either way.
  const int rc = sqlite3_exec(holder_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    HandlerError e = db_error(holder_, path_, "busy: BEGIN IMMEDIATE");
    sqlite3_close(std::exchange(holder_, nullptr));
    return e;
  }
  return ok_status();
}

void SqliteFaults::end(BackendFault) {
  if (holder_ == nullptr) return;
  // Nothing was written: a rollback and a commit leave the same database.
  sqlite3_exec(holder_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(std::exchange(holder_, nullptr));
}

SqliteBackend::~SqliteBackend() = default;

FaultDriver* SqliteBackend::fault_driver() {
  if (!faults_) faults_ = std::make_unique<SqliteFaults>(config_.path);
  return faults_.get();
}

Result<std::unique_ptr<SqliteBackend>> SqliteBackend::create(SqliteConfig config,
                                                             std::uint64_t seed, Clock&) {
  auto ready = prepare_file(config.path, config.fresh, config.busy_timeout_ms);
  if (!ready) return ready.error();
  return std::unique_ptr<SqliteBackend>(new SqliteBackend(std::move(config), seed));
}

std::string SqliteBackend::uri() const {
  return "sqlite:" + config_.path +
         (config_.lock == SqliteLock::transactional ? "?lock=transactional" : "?lock=none") +
         "&ttl_s=" + std::to_string(config_.ttl_s);
}

Guarantees SqliteBackend::guarantees() const {
  Guarantees g;
  g.concurrency = config_.lock == SqliteLock::transactional ? Concurrency::serialised
                                                            : Concurrency::last_writer_wins;
  g.store.expiry = model::Expiry::lazy;
  g.store.ttl_s = config_.ttl_s;
  g.payload_bytes_max = sqlite_payload_bytes_max;
  g.store.payload_bytes_max = sqlite_payload_bytes_max;
  // A dead connection's transaction is rolled back by SQLite (the next opener replays the WAL
  // without it); every statement is atomic.
  g.faults.recovery =
      config_.lock == SqliteLock::transactional ? Recovery::rollback : Recovery::none;
  g.faults.failed_write = FailedWrite::unchanged;
  g.faults.local_disk = true;
  return g;
}

std::unique_ptr<SessionHandler> SqliteBackend::connect(RequestEnv env) {
  return std::make_unique<SqliteHandler>(shared_, env);
}

// ---- the registry's view ------------------------------------------------------------------

Result<std::unique_ptr<Backend>> make_sqlite_backend(const HandlerUri& uri, std::uint64_t seed,
                                                     Clock& clock) {
  auto config = parse_sqlite_config(uri);
  if (!config) return config.error();
  auto made = SqliteBackend::create(std::move(config.value()), seed, clock);
  if (!made) return made.error();
  return std::unique_ptr<Backend>(std::move(made.value()));
}

namespace {

/// The database file's name in a fresh directory next to PATH.
Result<Isolation> isolate_sqlite(const HandlerUri& uri, const IsolationOptions& options) {
  auto config = parse_sqlite_config(uri);
  if (!config) return config.error();
  const std::filesystem::path path(config.value().path);
  auto dir = make_scratch_dir(path.parent_path().string(), options.label, uri.text);
  if (!dir) return dir.error();
  Isolation out;
  out.uri = uri;
  out.uri.target = dir.value() + "/" + path.filename().string();
  out.scratch_dir = dir.value();
  return out;
}

}  // namespace

BackendKind sqlite_kind() {
  BackendKind kind;
  kind.scheme = "sqlite";
  kind.check = [](const HandlerUri& uri) -> Status {
    auto config = parse_sqlite_config(uri);
    if (!config) return config.error();
    return ok_status();
  };
  kind.make = make_sqlite_backend;
  kind.isolate = isolate_sqlite;
  kind.mode_param = "lock";
  kind.mode_values = {std::nullopt, "transactional"};
  return kind;
}

}  // namespace ss::handlers
