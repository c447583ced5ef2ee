#include "handlers/redis_handler.hpp"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "handlers/factories.hpp"
#include "handlers/faults.hpp"
#include "handlers/idle_pool.hpp"
#include "handlers/merge.hpp"
#include "model/engine.hpp"
#include "model/rng.hpp"

namespace ss::handlers {

namespace {

// An idle connection has nothing to read: readable means the server closed it (EOF) or sent
// something unasked, and either way it is not reused. A zero timeout never waits.
bool still_open(redisContext* const& c) {
  pollfd p{c->fd, POLLIN, 0};
  return c->err == 0 && ::poll(&p, 1, 0) == 0;
}

void free_context(redisContext*& c) {
  redisFree(std::exchange(c, nullptr));
}

/// Connections of finished requests, reused by the next requests of the backend the way
/// phpredis reuses persistent connections: a request then costs its commands, not a TCP
/// connect. Only clean connections come here: no WATCH or MULTI outstanding, no error.
using ConnectionPool = IdlePool<redisContext*>;

}  // namespace

/// What the handlers of one backend share: the id generator, the virtual-time anchor and the
/// idle connections.
struct RedisShared {
  // A constructor, not aggregate initialisation: make_shared's parentheses cannot initialise an
  // aggregate in clang 14 (C++20's P0960 is missing there), and the pool makes it unmovable.
  RedisShared(RedisConfig c, std::uint64_t s, model::Rng r, Clock* k)
      : config(std::move(c)), seed(s), rng(r), clock(k) {}

  RedisConfig config;
  std::uint64_t seed;
  model::Rng rng;
  Clock* clock;
  ConnectionPool pool{free_context, still_open};
  /// Each live request's connection (where its context pointer lives), for the fault driver.
  std::map<std::uint64_t, redisContext* const*> live;
  bool anchored = false;
  std::int64_t anchor_real_ms = 0;
  std::int64_t anchor_virtual_s = 0;

  /// The server-clock millisecond at which virtual second `v` begins. Redis expires keys by
  /// its own (real) clock while scenarios run on a virtual one, so expiries are written and
  /// read through this fixed mapping: the first use pins virtual "now" to real "now", and an
  /// `advance` of the virtual clock then makes keys look older by exactly that much. With a
  /// real clock the mapping is the identity (to within a second), i.e. plain phpredis TTLs.
  std::int64_t real_ms(std::int64_t v) {
    if (!anchored) {
      anchored = true;
      anchor_virtual_s = clock->now_s();
      anchor_real_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    }
    return anchor_real_ms + (v - anchor_virtual_s) * 1000;
  }
};

namespace {

/// Suffix phpredis appends to the session key to name its lock.
constexpr std::string_view lock_suffix = "_LOCK";
/// `lock`: the default IoPoints waits about this long per blocked() call, so lock_wait_ms
/// translates into lock_wait_ms / lock_poll_ms attempts (a count, so the explorer stays
/// deterministic).
constexpr int lock_poll_ms = 10;
/// create_sid draws at most this many ids (PHP's files handler does the same).
constexpr int create_sid_tries_max = 3;
/// Upper bounds of the numeric URI parameters.
constexpr std::int64_t ttl_s_max = 10LL * 365 * 24 * 3600;
constexpr std::int64_t timeout_ms_max = 60'000;
constexpr std::int64_t lock_wait_ms_max = 600'000;
constexpr std::int64_t retries_max = 100;
/// `fresh=1` deletes at most this many SCAN batches of keys (of about scan_batch_keys each).
constexpr int fresh_scan_rounds_max = 100'000;
constexpr std::string_view scan_batch_keys = "1000";

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string endpoint(const RedisConfig& c) {
  return "redis " + c.host + ":" + std::to_string(c.port);
}

timeval to_timeval(int ms) {
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

/// One hiredis context, taken from the pool (if any) or opened on first use, and given back to
/// the pool when done if it is clean. A context that failed is freed, so the next operation
/// reconnects (once: every operation makes at most one connection attempt).
class Connection {
 public:
  explicit Connection(const RedisConfig& config, ConnectionPool* pool = nullptr)
      : config_(config), pool_(pool) {}
  ~Connection() {
    if (ctx_ != nullptr && pool_ != nullptr && !in_transaction_ && ctx_->err == 0) {
      pool_->give(std::exchange(ctx_, nullptr));
    }
    drop();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Status ensure();
  /// Runs one command. A Redis error reply is ErrorCode::io; a broken or timed-out connection
  /// is ErrorCode::connection / ErrorCode::timeout.
  Result<Reply> run(std::initializer_list<std::string_view> argv) {
    return run(std::span<const std::string_view>(argv.begin(), argv.size()));
  }
  Result<Reply> run(std::span<const std::string_view> argv);
  [[nodiscard]] bool connected() const { return ctx_ != nullptr; }
  /// Where this connection's context lives (null while it is not connected).
  [[nodiscard]] redisContext* const* context_slot() const { return &ctx_; }
  /// Closes the socket as a dying process would: never pooled, nothing sent first.
  void abandon() {
    in_transaction_ = false;
    drop();
  }

 private:
  HandlerError context_error(std::string_view what, int saved_errno);
  void drop() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
  }
  const RedisConfig& config_;
  ConnectionPool* pool_;
  redisContext* ctx_ = nullptr;
  /// A WATCH or MULTI is outstanding: the connection is not handed to another request.
  bool in_transaction_ = false;
  /// Argument buffers, kept between commands so that a command allocates nothing here.
  std::vector<const char*> ptrs_;
  std::vector<std::size_t> lens_;
};

HandlerError Connection::context_error(std::string_view what, int saved_errno) {
  std::string reason = endpoint(config_) + ": " + std::string(what);
  if (ctx_ != nullptr && ctx_->err != 0) reason += ": " + std::string(ctx_->errstr);
  // hiredis 0.14 reports an expired SO_RCVTIMEO/SO_SNDTIMEO as an I/O error with EAGAIN.
  const bool timed_out = ctx_ != nullptr && ctx_->err == REDIS_ERR_IO &&
                         (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
  drop();
  if (timed_out) {
    return fail(ErrorCode::timeout,
                reason + " (no answer within " + std::to_string(config_.timeout_ms) + " ms)");
  }
  return fail(ErrorCode::connection, reason);
}

Status Connection::ensure() {
  if (ctx_ != nullptr) return ok_status();
  in_transaction_ = false;
  if (pool_ != nullptr) {
    if (auto idle = pool_->take()) {
      ctx_ = *idle;
      return ok_status();
    }
  }
  const timeval tv = to_timeval(config_.timeout_ms);
  ctx_ = redisConnectWithTimeout(config_.host.c_str(), config_.port, tv);
  if (ctx_ == nullptr) return fail(ErrorCode::connection, endpoint(config_) + ": out of memory");
  if (ctx_->err != 0) return context_error("cannot connect", errno);
  if (redisSetTimeout(ctx_, tv) != REDIS_OK) return context_error("cannot set timeout", errno);
  if (config_.db != 0) {
    auto selected = run({"SELECT", std::to_string(config_.db)});
    if (!selected) return selected.error();
  }
  return ok_status();
}

Result<Reply> Connection::run(std::span<const std::string_view> argv) {
  if (auto up = ensure(); !up) return up.error();
  ptrs_.clear();
  lens_.clear();
  for (std::string_view a : argv) {
    ptrs_.push_back(a.data());
    lens_.push_back(a.size());
  }
  // Conservative: a WATCH or MULTI counts as outstanding from the moment it is sent, and only a
  // sent EXEC, DISCARD or UNWATCH ends it (all three drop every WATCH).
  const std::string_view verb = argv.empty() ? std::string_view() : argv[0];
  if (verb == "WATCH" || verb == "MULTI") in_transaction_ = true;
  if (verb == "EXEC" || verb == "DISCARD" || verb == "UNWATCH") in_transaction_ = false;
  errno = 0;
  void* raw = redisCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs_.data(), lens_.data());
  const int saved_errno = errno;
  if (raw == nullptr) {
    return context_error(std::string(verb) + " failed", saved_errno);
  }
  Reply reply(static_cast<redisReply*>(raw));
  if (reply->type == REDIS_REPLY_ERROR) {
    return fail(ErrorCode::io, endpoint(config_) + ": " + std::string(argv[0]) + ": " +
                                   std::string(reply->str, reply->len));
  }
  return reply;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// The lock secret: random from the seeded generator and the request id, plus the pid and a
/// process-wide counter so that two processes (or backends) with one seed never share a secret.
/// It never reaches a trace, so the pid does not make runs differ.
std::string lock_secret(std::uint64_t seed, std::uint64_t request_id) {
  static std::atomic<std::uint64_t> handlers_made{0};
  model::Rng rng(seed ^ (request_id * 0x9e3779b97f4a7c15ULL));
  return hex64(rng.next()) + "." + std::to_string(request_id) + "." + std::to_string(::getpid()) +
         "." + std::to_string(++handlers_made);
}

/// Registers a request's connection with the backend while the request's handler lives, so that
/// BackendFault::reset can find it.
class LiveConnection {
 public:
  LiveConnection(RedisShared& shared, std::uint64_t request, const Connection& conn)
      : shared_(shared), request_(request), slot_(conn.context_slot()) {
    shared_.live[request_] = slot_;
  }
  ~LiveConnection() {
    auto it = shared_.live.find(request_);
    if (it != shared_.live.end() && it->second == slot_) shared_.live.erase(it);
  }
  LiveConnection(const LiveConnection&) = delete;
  LiveConnection& operator=(const LiveConnection&) = delete;

 private:
  RedisShared& shared_;
  std::uint64_t request_;
  redisContext* const* slot_;
};

class RedisHandler final : public SessionHandler {
 public:
  RedisHandler(std::shared_ptr<RedisShared> shared, RequestEnv env)
      : shared_(std::move(shared)),
        config_(shared_->config),
        env_(env),
        conn_(config_, &shared_->pool),
        // Only `lock` uses a secret; formatting one costs more than a `none` request's own work.
        secret_(config_.mode == RedisMode::lock ? lock_secret(shared_->seed, env.request_id)
                                                : std::string()) {
    live_.emplace(*shared_, env_.request_id, conn_);
  }
  ~RedisHandler() override {
    // A request that ends without close() (ZealPHP never calls it) still frees its lock.
    if (lock_id_) (void)release_lock();
  }

  Task<Status> open(std::string, std::string) override { co_return conn_.ensure(); }
  Task<Status> close() override;
  Task<Result<std::string>> read(std::string id) override;
  Task<Status> write(std::string id, std::string data) override;
  Task<Status> destroy(std::string id) override;
  Task<Result<std::int64_t>> gc(std::int64_t) override { co_return std::int64_t{0}; }
  Task<Result<std::string>> create_sid() override;
  Task<Result<bool>> validate_id(std::string id) override;
  Task<Status> update_timestamp(std::string id, std::string data) override;
  // A dead process's socket closes; its lock key stays until the lease ends.
  void crash() override {
    lock_id_.reset();
    conn_.abandon();
  }

 private:
  [[nodiscard]] std::string key(const std::string& id) const { return config_.prefix + id; }
  [[nodiscard]] std::string lock_key(const std::string& id) const {
    return key(id) + std::string(lock_suffix);
  }
  [[nodiscard]] std::string now_ms() { return std::to_string(shared_->real_ms(now_s())); }
  [[nodiscard]] std::int64_t expiry_at_ms() {
    // PXAT must be positive; a time in the past simply deletes the key (already expired).
    return std::max<std::int64_t>(1, shared_->real_ms(now_s() + config_.ttl_s));
  }
  [[nodiscard]] std::string expiry_ms() { return std::to_string(expiry_at_ms()); }
  [[nodiscard]] std::int64_t now_s() const { return env_.clock->now_s(); }
  [[nodiscard]] static std::string max_bytes() { return std::to_string(redis_payload_bytes_max); }
  [[nodiscard]] HandlerError too_large(const std::string& k, long long bytes) const {
    return payload_too_large(endpoint(config_) + " " + k, static_cast<std::uint64_t>(bytes),
                             redis_payload_bytes_max);
  }

  Result<std::optional<std::string>> get_live(const std::string& k);
  Result<std::string> read_optimistic(const std::string& id);
  [[nodiscard]] bool destroyed_since_read(const std::string& id);
  Task<Status> acquire_lock(const std::string& id);
  Status release_lock();
  Task<Status> write_optimistic(const std::string& id, const std::string& mine);
  Task<Result<bool>> optimistic_attempt(const std::string& id, const std::string& mine);
  Result<bool> commit(const std::string& k, const std::string& value, const std::string& expiry);
  Task<Status> write_locked(const std::string& id, const std::string& data);

  std::shared_ptr<RedisShared> shared_;
  const RedisConfig& config_;
  RequestEnv env_;
  Connection conn_;
  std::string secret_;
  /// Keeps conn_ findable by the fault driver while this handler lives.
  std::optional<LiveConnection> live_;
  /// `lock`: the id whose lock this request believes it holds.
  std::optional<std::string> lock_id_;
  /// `optimistic`: what read() returned per id, the base of the three-way merge, and the
  /// session's expiry (PEXPIRETIME, -1 = none) when it existed. Per handler instance, i.e. per
  /// request (ZealPHP's per-session baseData is the bug this avoids).
  struct Snapshot {
    std::string data;
    std::optional<std::int64_t> expiry_ms;
  };
  std::map<std::string, Snapshot> snapshots_;
};

Result<std::optional<std::string>> RedisHandler::get_live(const std::string& k) {
  auto r = conn_.run({"EVAL", redis_lua::get_live, "1", k, now_ms(), max_bytes()});
  if (!r) return r.error();
  if (r.value()->type == REDIS_REPLY_NIL) return std::optional<std::string>();
  if (r.value()->type == REDIS_REPLY_INTEGER) return too_large(k, r.value()->integer);
  if (r.value()->type != REDIS_REPLY_STRING) {
    return fail(ErrorCode::io, endpoint(config_) + ": " + k + " does not hold a string");
  }
  return std::optional<std::string>(std::string(r.value()->str, r.value()->len));
}

Task<Status> RedisHandler::close() {
  snapshots_.clear();
  if (!lock_id_) co_return ok_status();
  co_return release_lock();
}

Task<Result<std::string>> RedisHandler::read(std::string id) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  if (config_.mode == RedisMode::lock) {
    auto locked = co_await acquire_lock(id);
    if (!locked) co_return locked.error();
  }
  if (config_.mode == RedisMode::optimistic) co_return read_optimistic(id);
  auto got = get_live(key(id));
  if (!got) co_return got.error();
  co_return got.value().value_or(std::string());
}

// The value and its expiry in one step: the expiry tells a later write whether a vanished
// session expired (written as given) or was destroyed (never brought back).
Result<std::string> RedisHandler::read_optimistic(const std::string& id) {
  auto r =
      conn_.run({"EVAL", redis_lua::get_live_with_expiry, "1", key(id), now_ms(), max_bytes()});
  if (!r) return r.error();
  const redisReply* reply = r.value().get();
  Snapshot& snap = snapshots_[id];
  snap = Snapshot{};
  if (reply->type == REDIS_REPLY_NIL) return std::string();
  if (reply->type == REDIS_REPLY_INTEGER) {
    snapshots_.erase(id);
    return too_large(key(id), reply->integer);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_STRING ||
      reply->element[1]->type != REDIS_REPLY_INTEGER) {
    return fail(ErrorCode::io, endpoint(config_) + ": " + key(id) + " does not hold a string");
  }
  snap.data.assign(reply->element[0]->str, reply->element[0]->len);
  snap.expiry_ms = reply->element[1]->integer;
  return snap.data;
}

// The session this request read existed and has no key now, before the expiry it had: only a
// destroy (DEL) removes it that early.
bool RedisHandler::destroyed_since_read(const std::string& id) {
  auto base = snapshots_.find(id);
  if (base == snapshots_.end() || !base->second.expiry_ms) return false;
  const std::int64_t e = *base->second.expiry_ms;
  return e == -1 || e >= shared_->real_ms(now_s());
}

Task<Status> RedisHandler::write(std::string id, std::string data) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  if (data.size() > redis_payload_bytes_max) co_return too_large(key(id), data.size());
  switch (config_.mode) {
    case RedisMode::optimistic: co_return co_await write_optimistic(id, data);
    case RedisMode::lock: co_return co_await write_locked(id, data);
    case RedisMode::none: break;
  }
  auto r = conn_.run({"SET", key(id), data, "PXAT", expiry_ms()});
  if (!r) co_return r.error();
  co_return ok_status();
}

// Takes the lock on `id` (re-entrant; a lock on another id is released first: the lock follows
// the id). Waits through IoPoints::blocked, at most lock_wait_ms / lock_poll_ms times.
Task<Status> RedisHandler::acquire_lock(const std::string& id) {
  if (lock_id_ == id) co_return ok_status();
  if (lock_id_) {
    if (auto released = release_lock(); !released) co_return released;
  }
  const std::string lk = lock_key(id);
  const int attempts = 1 + config_.lock_wait_ms / lock_poll_ms;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const std::int64_t now = shared_->real_ms(now_s());
    auto r = conn_.run({"EVAL", redis_lua::acquire, "1", lk, secret_, std::to_string(now),
                        std::to_string(now + config_.lock_ttl_ms)});
    if (!r) co_return r.error();
    if (r.value()->integer == 1) {
      lock_id_ = id;
      co_return ok_status();
    }
    if (attempt + 1 == attempts || !co_await env_.points->blocked("redis lock " + lk, attempt)) {
      break;
    }
  }
  co_return fail(ErrorCode::timeout, endpoint(config_) + ": gave up waiting for " + lk + " after " +
                                         std::to_string(config_.lock_wait_ms) +
                                         " ms (another request holds the session)");
}

Status RedisHandler::release_lock() {
  const std::string lk = lock_key(*lock_id_);
  lock_id_.reset();
  auto r = conn_.run({"EVAL", redis_lua::release, "1", lk, secret_});
  if (!r) return r.error();
  return ok_status();
}

Task<Status> RedisHandler::write_locked(const std::string& id, const std::string& data) {
  // A write without a read (or after close) takes the lock first, as read() would have.
  if (lock_id_ != id) {
    auto locked = co_await acquire_lock(id);
    if (!locked) co_return locked;
  }
  auto r = conn_.run(
      {"EVAL", redis_lua::guarded_set, "2", key(id), lock_key(id), data, expiry_ms(), secret_});
  if (!r) co_return r.error();
  if (r.value()->integer != 1) {
    lock_id_.reset();
    co_return fail(ErrorCode::lock_lost, endpoint(config_) + ": write of " + id +
                                             " refused: " + lock_key(id) +
                                             " is no longer ours (expired or taken over)");
  }
  co_return ok_status();
}

Task<Status> RedisHandler::write_optimistic(const std::string& id, const std::string& mine) {
  for (int attempt = 0; attempt <= config_.retries; ++attempt) {
    auto done = co_await optimistic_attempt(id, mine);
    if (!done) co_return done.error();
    if (done.value()) co_return ok_status();
  }
  co_return fail(ErrorCode::conflict,
                 endpoint(config_) + ": write of " + id + " gave up: EXEC aborted " +
                     std::to_string(config_.retries + 1) +
                     " times because other requests kept changing the session (retries=" +
                     std::to_string(config_.retries) + ")");
}

// One WATCH ... EXEC round. Returns false when EXEC aborted (the key changed meanwhile).
Task<Result<bool>> RedisHandler::optimistic_attempt(const std::string& id,
                                                    const std::string& mine) {
  const std::string k = key(id);
  if (auto w = conn_.run({"WATCH", k}); !w) co_return w.error();
  auto current = get_live(k);
  if (!current) co_return current.error();
  // Another request may commit here, inside the WATCH window: the explorer schedules it.
  co_await env_.points->point("redis.watch");
  auto base = snapshots_.find(id);
  std::string target = mine;
  if (!current.value() && destroyed_since_read(id)) {
    (void)conn_.run({"UNWATCH"});
    co_return fail(ErrorCode::conflict, endpoint(config_) + ": write of " + id +
                                            " refused: the session was destroyed since this "
                                            "request read it (no resurrection)");
  }
  // Merge only what another writer changed. Without a read there is no base, and a session that
  // expired since the read has nothing to merge with: both are written as given, as the
  // reference store does (a lone request never sees a conflict).
  if (base != snapshots_.end() && current.value() && base->second.data != *current.value()) {
    auto merged = merge_session_keys(base->second.data, *current.value(), mine);
    if (!merged) {
      (void)conn_.run({"UNWATCH"});
      co_return merged.error();
    }
    target = std::move(merged.value());
  }
  const std::int64_t expiry = expiry_at_ms();
  auto committed = commit(k, target, std::to_string(expiry));
  if (!committed) co_return committed.error();
  if (committed.value()) snapshots_[id] = Snapshot{std::move(target), expiry};
  co_return committed.value();
}

// MULTI, SET, EXEC. EXEC answers nil when a WATCHed key changed.
Result<bool> RedisHandler::commit(const std::string& k, const std::string& value,
                                  const std::string& expiry) {
  if (auto m = conn_.run({"MULTI"}); !m) return m.error();
  if (auto s = conn_.run({"SET", k, value, "PXAT", expiry}); !s) {
    (void)conn_.run({"DISCARD"});
    return s.error();
  }
  auto e = conn_.run({"EXEC"});
  if (!e) return e.error();
  if (e.value()->type == REDIS_REPLY_NIL) return false;
  const redisReply* r = e.value().get();
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
      r->element[0]->type == REDIS_REPLY_ERROR) {
    return fail(ErrorCode::io, endpoint(config_) + ": EXEC of SET " + k + " failed");
  }
  return true;
}

Task<Status> RedisHandler::destroy(std::string id) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  snapshots_.erase(id);
  auto r = conn_.run({"DEL", key(id)});
  if (!r) co_return r.error();
  // phpredis releases the lock on destroy; the request no longer needs the session.
  if (lock_id_ == id) co_return release_lock();
  co_return ok_status();
}

Task<Result<std::string>> RedisHandler::create_sid() {
  for (int tries = 0; tries < create_sid_tries_max; ++tries) {
    std::string id = model::php_made_id(shared_->rng, 26, 5);
    auto r = conn_.run({"EXISTS", key(id)});
    if (!r) co_return r.error();
    if (r.value()->integer == 0) co_return id;
  }
  co_return fail(ErrorCode::conflict,
                 "create_sid: " + std::to_string(create_sid_tries_max) + " colliding ids in a row");
}

Task<Result<bool>> RedisHandler::validate_id(std::string id) {
  if (!model::valid_session_id(id)) co_return false;
  auto r = conn_.run({"EVAL", redis_lua::exists_live, "1", key(id), now_ms()});
  if (!r) co_return r.error();
  co_return r.value()->integer == 1;
}

Task<Status> RedisHandler::update_timestamp(std::string id, std::string data) {
  if (!model::valid_session_id(id)) co_return bad_id(id);
  if (data.size() > redis_payload_bytes_max) co_return too_large(key(id), data.size());
  std::string secret;
  if (config_.mode == RedisMode::lock) {
    if (lock_id_ != id) {
      auto locked = co_await acquire_lock(id);
      if (!locked) co_return locked;
    }
    secret = secret_;
  }
  // `optimistic`: the expiry of the session this request read, so that the script refuses to
  // store it again after a destroy (the lazy touch falls back to a write).
  std::string read_expiry;
  auto base = snapshots_.find(id);
  if (base != snapshots_.end() && base->second.expiry_ms) {
    read_expiry = std::to_string(*base->second.expiry_ms);
  }
  const std::int64_t expiry = expiry_at_ms();
  auto r = conn_.run({"EVAL", redis_lua::touch, "2", key(id), lock_key(id), std::to_string(expiry),
                      now_ms(), data, secret, read_expiry});
  if (!r) co_return r.error();
  switch (r.value()->integer) {
    case -1:
      lock_id_.reset();
      co_return fail(ErrorCode::lock_lost, endpoint(config_) + ": updateTimestamp of " + id +
                                               " refused: " + lock_key(id) + " is no longer ours");
    case -2:
      co_return fail(ErrorCode::conflict, endpoint(config_) + ": updateTimestamp of " + id +
                                              " refused: the session was destroyed since this "
                                              "request read it (no resurrection)");
    default: break;
  }
  // The session was gone and the touch stored `data`: that is this request's base now.
  if (config_.mode == RedisMode::optimistic) {
    if (r.value()->integer == 0)
      snapshots_[id] = Snapshot{std::move(data), expiry};
    else if (base != snapshots_.end() && base->second.expiry_ms)
      base->second.expiry_ms = expiry;
  }
  co_return ok_status();
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  const std::string h(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

namespace {

HandlerError bad_uri(const std::string& why) {
  return fail(ErrorCode::unsupported, "redis URI: " + why);
}

std::optional<std::int64_t> to_int(std::string_view s, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// HOST:PORT[/DB]; an IPv6 host is written in brackets ([::1]:6379).
std::optional<HandlerError> parse_target(const std::string& target, RedisConfig& c) {
  std::string hostport = target;
  if (const auto slash = target.find('/'); slash != std::string::npos) {
    hostport = target.substr(0, slash);
    auto db = to_int(std::string_view(target).substr(slash + 1), 0, 1'000'000);
    if (!db) return bad_uri("database '" + target.substr(slash + 1) + "' is not a number");
    c.db = static_cast<int>(*db);
  }
  std::string port;
  if (!hostport.empty() && hostport.front() == '[') {
    const auto close = hostport.find(']');
    if (close == std::string::npos) return bad_uri("unclosed '[' in '" + hostport + "'");
    c.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) {
      if (hostport[close + 1] != ':') return bad_uri("expected ':PORT' after ']'");
      port = hostport.substr(close + 2);
    }
  } else if (const auto colon = hostport.rfind(':'); colon != std::string::npos) {
    c.host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  } else {
    c.host = hostport;
  }
  if (!port.empty()) {
    auto p = to_int(port, 1, 65535);
    if (!p) return bad_uri("port '" + port + "' is not in 1..65535");
    c.port = static_cast<int>(*p);
  }
  if (!is_loopback_host(c.host)) {
    return bad_uri("host '" + c.host + "' is not a loopback address; sessionspec only talks to " +
                   "127.0.0.0/8, ::1 or localhost and never sends session data elsewhere");
  }
  if (c.host == "localhost") c.host = "127.0.0.1";  // never resolve: /etc/hosts could point away
  return std::nullopt;
}

std::optional<HandlerError> parse_mode(const std::string& v, RedisConfig& c) {
  if (v == "none")
    c.mode = RedisMode::none;
  else if (v == "optimistic")
    c.mode = RedisMode::optimistic;
  else if (v == "lock")
    c.mode = RedisMode::lock;
  else
    return bad_uri("mode '" + v + "' (want none, optimistic or lock)");
  return std::nullopt;
}

std::optional<HandlerError> parse_param(const std::string& k, const std::string& v,
                                        RedisConfig& c) {
  if (k == "mode") return parse_mode(v, c);
  if (k == "prefix") {
    c.prefix = v;
    return std::nullopt;
  }
  if (k == "fresh") {
    if (v != "0" && v != "1") return bad_uri("fresh=" + v + " (want 0 or 1)");
    c.fresh = v == "1";
    return std::nullopt;
  }
  struct Bound {
    std::string_view name;
    std::int64_t lo, hi;
  };
  static constexpr Bound bounds[] = {{"ttl_s", 1, ttl_s_max},
                                     {"timeout_ms", 1, timeout_ms_max},
                                     {"lock_wait_ms", 0, lock_wait_ms_max},
                                     {"lock_ttl_ms", 1, lock_wait_ms_max},
                                     {"retries", 0, retries_max}};
  for (const Bound& b : bounds) {
    if (k != b.name) continue;
    auto n = to_int(v, b.lo, b.hi);
    if (!n) {
      return bad_uri(k + "=" + v + " (want an integer in " + std::to_string(b.lo) + ".." +
                     std::to_string(b.hi) + ")");
    }
    if (k == "ttl_s") c.ttl_s = *n;
    if (k == "timeout_ms") c.timeout_ms = static_cast<int>(*n);
    if (k == "lock_wait_ms") c.lock_wait_ms = static_cast<int>(*n);
    if (k == "lock_ttl_ms") c.lock_ttl_ms = static_cast<int>(*n);
    if (k == "retries") c.retries = static_cast<int>(*n);
    return std::nullopt;
  }
  return bad_uri("unknown parameter '" + k +
                 "' (want mode, ttl_s, timeout_ms, lock_wait_ms, lock_ttl_ms, retries, prefix, "
                 "fresh)");
}

std::string_view mode_name(RedisMode m) {
  switch (m) {
    case RedisMode::none: return "none";
    case RedisMode::optimistic: return "optimistic";
    case RedisMode::lock: return "lock";
  }
  return "?";
}

}  // namespace

namespace {

/// A SCAN MATCH pattern that matches `prefix` literally, followed by anything.
std::string glob_prefix(const std::string& prefix) {
  std::string out;
  for (char c : prefix) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out + "*";
}

/// Redis 7.0 is the oldest server with PEXPIRETIME, which virtual-time expiry reads.
constexpr int server_major_min = 7;

/// The server answers and is recent enough: without PEXPIRETIME every read would fail.
Status check_server(Connection& conn) {
  auto info = conn.run({"INFO", "server"});
  if (!info) return info.error();
  const std::string_view text(info.value()->str, info.value()->len);
  constexpr std::string_view field = "redis_version:";
  const auto at = text.find(field);
  const std::string_view version =
      at == std::string_view::npos
          ? std::string_view("unknown")
          : text.substr(at + field.size(), text.find_first_of("\r\n", at) - at - field.size());
  int major = 0;
  std::from_chars(version.data(), version.data() + version.size(), major);
  if (major < server_major_min) {
    return fail(ErrorCode::unsupported, "redis: server version " + std::string(version) +
                                            " is too old (PEXPIRETIME needs Redis 7.0+)");
  }
  return ok_status();
}

/// `fresh=1`: deletes every key under `prefix` (sessions and their locks), batch by batch. Never
/// under an empty prefix (that would be the whole database; parse_redis_config refuses it too).
Status delete_prefix(Connection& conn, const std::string& prefix) {
  if (prefix.empty()) return bad_uri("refusing to delete the keys under an empty prefix");
  const std::string pattern = glob_prefix(prefix);
  std::string cursor = "0";
  for (int round = 0; round < fresh_scan_rounds_max; ++round) {
    auto r = conn.run({"SCAN", cursor, "MATCH", pattern, "COUNT", scan_batch_keys});
    if (!r) return r.error();
    const redisReply* reply = r.value().get();
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
      return fail(ErrorCode::io, "redis: unexpected SCAN reply");
    }
    cursor.assign(reply->element[0]->str, reply->element[0]->len);
    const redisReply* keys = reply->element[1];
    if (keys->elements > 0) {
      std::vector<std::string_view> del{"UNLINK"};
      for (std::size_t i = 0; i < keys->elements; ++i) {
        del.emplace_back(keys->element[i]->str, keys->element[i]->len);
      }
      if (auto d = conn.run(del); !d) return d.error();
    }
    if (cursor == "0") return ok_status();
  }
  return fail(ErrorCode::capacity, "redis: fresh=1 gave up: more than " +
                                       std::to_string(fresh_scan_rounds_max) +
                                       " SCAN rounds of keys under " + prefix);
}

}  // namespace

Result<RedisConfig> parse_redis_config(const HandlerUri& uri) {
  RedisConfig c;
  if (auto e = parse_target(uri.target, c)) return *e;
  for (const auto& [k, v] : uri.params) {
    if (auto e = parse_param(k, v, c)) return *e;
  }
  // fresh=1 deletes every key under the prefix: under an empty one, every key of the database.
  if (c.fresh && c.prefix.empty()) {
    return bad_uri(
        "fresh=1 with an empty prefix would delete every key of the database "
        "(give prefix=P)");
  }
  return c;
}

RedisBackend::RedisBackend(RedisConfig config, std::uint64_t seed, Clock& clock)
    : config_(config),
      shared_(std::make_shared<RedisShared>(std::move(config), seed,
                                            model::Rng::for_handler_ids(seed), &clock)) {}

/// BackendFault::reset for real: the server drops the request's connection, as when it closes
/// idle clients, is failed over, or a proxy resets the stream (phpredis #1411, #620).
class RedisFaults final : public FaultDriver {
 public:
  explicit RedisFaults(std::shared_ptr<RedisShared> shared) : shared_(std::move(shared)) {}
  [[nodiscard]] bool supports(BackendFault f) const override { return f == BackendFault::reset; }
  Status begin(BackendFault f, std::uint64_t request_id) override;
  void end(BackendFault) override {}

 private:
  std::shared_ptr<RedisShared> shared_;
};

Status RedisFaults::begin(BackendFault f, std::uint64_t request_id) {
  if (f != BackendFault::reset) {
    return fail(ErrorCode::unsupported,
                "redis: no " + std::string(backend_fault_name(f)) + " fault (only reset)");
  }
  auto it = shared_->live.find(request_id);
  // A request without a connection has nothing to reset: its next command connects afresh.
  if (it == shared_->live.end() || *it->second == nullptr) return ok_status();
  redisContext* target = *it->second;
  Reply id(static_cast<redisReply*>(redisCommand(target, "CLIENT ID")));
  if (!id || id->type != REDIS_REPLY_INTEGER) {
    return fail(ErrorCode::connection,
                endpoint(shared_->config) + ": reset: cannot learn the connection's id");
  }
  Connection side(shared_->config);
  auto killed = side.run({"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  if (!killed) return killed.error();
  return ok_status();
}

RedisBackend::~RedisBackend() = default;

FaultDriver* RedisBackend::fault_driver() {
  if (!faults_) faults_ = std::make_unique<RedisFaults>(shared_);
  return faults_.get();
}

std::string RedisBackend::uri() const {
  const bool v6 = config_.host.find(':') != std::string::npos;
  std::string u = "redis://" + (v6 ? "[" + config_.host + "]" : config_.host) + ":" +
                  std::to_string(config_.port);
  if (config_.db != 0) u += "/" + std::to_string(config_.db);
  u += "?mode=" + std::string(mode_name(config_.mode)) + "&ttl_s=" + std::to_string(config_.ttl_s);
  if (config_.prefix != RedisConfig{}.prefix) u += "&prefix=" + config_.prefix;
  return u;
}

Guarantees RedisBackend::guarantees() const {
  Guarantees g;
  switch (config_.mode) {
    case RedisMode::none: g.concurrency = Concurrency::last_writer_wins; break;
    case RedisMode::optimistic: g.concurrency = Concurrency::merge_disjoint_keys; break;
    case RedisMode::lock: g.concurrency = Concurrency::serialised; break;
  }
  g.store.expiry = model::Expiry::ttl;
  g.store.ttl_s = config_.ttl_s;
  g.payload_bytes_max = redis_payload_bytes_max;
  g.store.payload_bytes_max = redis_payload_bytes_max;
  // A crashed holder's lock key stays until its lease ends. A command whose connection breaks
  // after it was sent may or may not have run; and what the server keeps across a restart is
  // its persistence configuration, which the handler cannot promise.
  if (config_.mode == RedisMode::lock) {
    g.faults.recovery = Recovery::lease;
    g.faults.recovery_ms = config_.lock_ttl_ms;
  }
  g.faults.failed_write = FailedWrite::previous_or_new;
  g.faults.survives_restart = false;
  return g;
}

std::unique_ptr<SessionHandler> RedisBackend::connect(RequestEnv env) {
  return std::make_unique<RedisHandler>(shared_, env);
}

// ---- the registry's view ------------------------------------------------------------------

Result<std::unique_ptr<Backend>> make_redis_backend(const HandlerUri& uri, std::uint64_t seed,
                                                    Clock& clock) {
  auto config = parse_redis_config(uri);
  if (!config) return config.error();
  // Probe once, so that an unreachable server is reported before any scenario runs.
  Connection probe(config.value());
  if (auto usable = check_server(probe); !usable) return usable.error();
  if (config.value().fresh) {
    if (auto emptied = delete_prefix(probe, config.value().prefix); !emptied) {
      return emptied.error();
    }
  }
  return std::unique_ptr<Backend>(std::make_unique<RedisBackend>(config.value(), seed, clock));
}

namespace {

/// A key prefix of its own (inside the URI's prefix= when it has one); its keys are deleted
/// afterwards (they would expire by their TTL anyway, but a test server stays tidy).
Result<Isolation> isolate_redis(const HandlerUri& uri, const IsolationOptions&) {
  auto config = parse_redis_config(uri);
  if (!config) return config.error();
  const auto given = uri.params.find("prefix");
  RedisConfig c = config.value();
  c.prefix = (given != uri.params.end() ? given->second : std::string()) + "sessionspec-prop-" +
             unique_instance_suffix() + "-";
  Isolation out;
  out.uri = uri;
  out.uri.params["prefix"] = c.prefix;
  out.cleanup = [c] {
    Connection conn(c);
    if (check_server(conn)) (void)delete_prefix(conn, c.prefix);
  };
  return out;
}

}  // namespace

BackendKind redis_kind() {
  BackendKind kind;
  kind.scheme = "redis";
  kind.check = [](const HandlerUri& uri) -> Status {
    auto config = parse_redis_config(uri);
    if (!config) return config.error();
    return ok_status();
  };
  kind.make = make_redis_backend;
  kind.isolate = isolate_redis;
  kind.mode_param = "mode";
  kind.mode_values = {"none", "optimistic", "lock"};
  return kind;
}

}  // namespace ss::handlers
