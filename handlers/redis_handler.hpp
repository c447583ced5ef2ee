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

/// The largest session read or written (Guarantees::payload_bytes_max): a larger write is
/// refused before it is sent, a larger stored value is reported by its length and never fetched.
inline constexpr std::size_t redis_payload_bytes_max = payload_bytes_max_default;

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

/// The Lua scripts the handler sends with EVAL. Public so that the raw-hiredis baseline in
/// bench/ sends exactly the handler's commands.
namespace redis_lua {

// The session key's value if it exists and has not expired in virtual time (see real_ms); its
// length (an integer) instead when that is over ARGV[2], so that a huge value never crosses
// the connection. KEYS[1] session key; ARGV[1] the real millisecond of virtual "now";
// ARGV[2] the largest value returned.
inline constexpr const char* get_live = R"lua(
local t = redis.call('PEXPIRETIME', KEYS[1])
if t == -2 or (t >= 0 and t < tonumber(ARGV[1])) then return false end
local n = redis.call('STRLEN', KEYS[1])
if n > tonumber(ARGV[2]) then return n end
return redis.call('GET', KEYS[1]))lua";

// `optimistic` read: {value, PEXPIRETIME} of a live session, else false; the length alone when
// it is over ARGV[2].
inline constexpr const char* get_live_with_expiry = R"lua(
local t = redis.call('PEXPIRETIME', KEYS[1])
if t == -2 or (t >= 0 and t < tonumber(ARGV[1])) then return false end
local n = redis.call('STRLEN', KEYS[1])
if n > tonumber(ARGV[2]) then return n end
return {redis.call('GET', KEYS[1]), t})lua";

// 1 when the session exists and has not expired in virtual time, else 0.
inline constexpr const char* exists_live = R"lua(
local t = redis.call('PEXPIRETIME', KEYS[1])
if t == -2 or (t >= 0 and t < tonumber(ARGV[1])) then return 0 end
return 1)lua";

// updateTimestamp: extend a live session's expiry, or store the data when it is gone (PHP's
// files handler falls back to a write). With ARGV[4] set, only while the lock holds that secret
// (else -1). With ARGV[5] set (`optimistic`: the expiry of the session this request read), a key
// that is gone before that expiry was destroyed and is not stored again (-2).
// KEYS[1] session, KEYS[2] lock; ARGV[1] new expiry, ARGV[2] "now", ARGV[3] data, ARGV[4] secret,
// ARGV[5] read expiry.
inline constexpr const char* touch = R"lua(
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[4] then return -1 end
local t = redis.call('PEXPIRETIME', KEYS[1])
if t == -1 or t >= tonumber(ARGV[2]) then
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
  return 1
end
if t == -2 and ARGV[5] ~= '' then
  local e = tonumber(ARGV[5])
  if e == -1 or e >= tonumber(ARGV[2]) then return -2 end
end
redis.call('SET', KEYS[1], ARGV[3], 'PXAT', ARGV[1])
return 0)lua";

// `lock` write: the lock check and the write in one atomic step, so a lock that expires or is
// stolen between them cannot let a stale write through. KEYS[1] session, KEYS[2] lock;
// ARGV[1] data, ARGV[2] expiry, ARGV[3] secret.
inline constexpr const char* guarded_set = R"lua(
if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1)lua";

// `lock`: takes the lock when it is free or its lease has ended in virtual time (so that a
// scenario's clock, like Redis's own, ends a crashed holder's lease), with a lease of its own.
// With a real clock this is phpredis's `SET key secret NX PX lock_expire`. KEYS[1] lock;
// ARGV[1] secret, ARGV[2] the real millisecond of virtual "now", ARGV[3] the lease's end.
inline constexpr const char* acquire = R"lua(
local t = redis.call('PEXPIRETIME', KEYS[1])
if t == -2 or (t >= 0 and t <= tonumber(ARGV[2])) then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
  return 1
end
return 0)lua";

// Compare-and-delete: only the owner releases a lock (phpredis's unlock script).
inline constexpr const char* release = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0)lua";

}  // namespace redis_lua

struct RedisShared;
class RedisFaults;

/// A Redis server and how to use it. Each request (connect()) has a connection of its own while
/// it runs, as each PHP process has; when the handler goes away a clean connection (no WATCH or
/// MULTI outstanding) goes back to the backend's idle pool (at most 16), and the next request
/// reuses it, as phpredis's persistent connections do.
class RedisBackend final : public Backend {
 public:
  /// Does not contact the server (make_redis_backend probes it); `config` must be valid.
  RedisBackend(RedisConfig config, std::uint64_t seed, Clock& clock);
  ~RedisBackend() override;
  [[nodiscard]] std::string uri() const override;
  [[nodiscard]] Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;
  [[nodiscard]] const RedisConfig& config() const { return config_; }
  /// Resets a request's connection for real (CLIENT KILL ID of it, from a connection of its
  /// own): BackendFault::reset.
  [[nodiscard]] FaultDriver* fault_driver() override;

 private:
  RedisConfig config_;
  std::shared_ptr<RedisShared> shared_;
  std::unique_ptr<RedisFaults> faults_;
};

}  // namespace ss::handlers
