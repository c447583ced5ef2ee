#pragma once
// `redis://HOST:PORT[/DB][?mode=none|optimistic|lock&ttl_s=N&timeout_ms=N&lock_wait_ms=N&...]`:
// sessions stored the way phpredis stores them (`PHPREDIS_SESSION:<id>` holding the bytes PHP
// hands to write(), with a TTL), so PHP and this handler read each other's sessions. Three
// concurrency modes: `none` (last writer wins), `optimistic` (WATCH/MULTI/EXEC with a key-level
// three-way merge) and `lock` (phpredis's `<key>_LOCK` spin lock). Only loopback servers are
// accepted: this project never sends session data off the machine.
//
// Time: Redis expires keys by its own clock, scenarios run on a virtual one. Expiries are
// written as absolute server times (SET ... PXAT) through a fixed mapping pinned at first use
// (virtual "now" = real "now"), and every read checks the key's PEXPIRETIME against virtual
// "now", so advancing the virtual clock past ttl_s expires sessions exactly as the reference
// store does. With a real clock this is phpredis's SETEX ttl_s to within a second.
//
// Deliberately free of hiredis includes; only redis_handler.cpp (and redis_* tests) see it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "handlers/handler_uri.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

/// How overlapping requests on one session are reconciled.
enum class RedisMode : std::uint8_t { none, optimistic, lock };

/// Everything a `redis://` URI says. Defaults follow phpredis where it has one.
struct RedisConfig {
  /// A loopback address (127.0.0.0/8 or ::1); `localhost` is stored as 127.0.0.1.
  std::string host;
  int port = 6379;
  /// The logical database (`/DB`), selected after connecting when not 0.
  int db = 0;
  RedisMode mode = RedisMode::none;
  /// The session lifetime: phpredis uses session.gc_maxlifetime (1440 s by default).
  std::int64_t ttl_s = 1440;
  /// Connect and per-command timeout: a dead or hung server fails in bounded time.
  int timeout_ms = 1000;
  /// `lock`: how long read() waits for another request's lock before failing with a timeout.
  int lock_wait_ms = 2000;
  /// `lock`: the lock key's own expiry, so a crashed holder cannot block a session forever
  /// (phpredis: redis.session.lock_expire, max_execution_time = 30 s by default).
  int lock_ttl_ms = 30000;
  /// `optimistic`: how many times an aborted EXEC is retried before write() fails.
  int retries = 3;
  /// The key prefix (phpredis's `prefix` save_path option).
  std::string prefix = "PHPREDIS_SESSION:";
  /// `fresh=1`: make_redis_backend deletes every key under `prefix` first, so that the store
  /// starts empty (test servers only: scenario runs and the conformance suite need it).
  bool fresh = false;
};

/// Reads a parsed `redis://` URI; fails with ErrorCode::unsupported and a one-line reason for a
/// bad or unknown parameter and for a host that is not loopback.
[[nodiscard]] Result<RedisConfig> parse_redis_config(const HandlerUri& uri);

/// True for 127.0.0.0/8, ::1 and `localhost`: the only hosts this project talks to.
[[nodiscard]] bool is_loopback_host(std::string_view host);

/// The key-level three-way merge of `optimistic` mode, on sessions in PHP's `php` serializer
/// format. Per top-level key: changed by `mine` relative to `base` -> mine's value; otherwise
/// `current`'s (so a key deleted remotely and unchanged here stays deleted); a key deleted by
/// `mine` and unchanged remotely is deleted. Keys keep `current`'s order, mine's new keys come
/// last. Fails with ErrorCode::conflict when any side does not decode or the result does not
/// encode. write() merges only when another writer changed the session since read(); a session
/// that vanished meanwhile (expired, destroyed) is written as given.
[[nodiscard]] Result<std::string> merge_session_keys(std::string_view base,
                                                     std::string_view current,
                                                     std::string_view mine);

struct RedisShared;

/// A Redis server and how to use it. Each connect() opens its own connection, as each PHP
/// process has its own; the connection closes with the handler.
class RedisBackend final : public Backend {
 public:
  /// Does not contact the server (make_redis_backend probes it); `config` must be valid.
  RedisBackend(RedisConfig config, std::uint64_t seed, Clock& clock);
  ~RedisBackend() override;
  [[nodiscard]] std::string uri() const override;
  [[nodiscard]] Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;
  [[nodiscard]] const RedisConfig& config() const { return config_; }

 private:
  RedisConfig config_;
  std::shared_ptr<RedisShared> shared_;
};

}  // namespace ss::handlers
