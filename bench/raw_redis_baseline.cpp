// The raw Redis baseline of bench/handler_cycle_bench.cpp: per mode, the commands the Redis
// handler sends for one request cycle (the same Lua scripts, handlers/redis_handler.hpp), sent
// through hiredis's synchronous API on one connection opened once.
//
// Why a bench may include hiredis.h: the house rule "only the Redis handler includes hiredis" is
// about project code, which must reach Redis through the seam. A baseline exists to measure what
// the seam and the handler add to the client library, so it has to call the library itself.
// Built only when the Redis handler is (bench/CMakeLists.txt); skips without REDIS_PORT.

#include <benchmark/benchmark.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <string>
#include <vector>

#include "bench/cycle.hpp"
#include "handlers/redis_handler.hpp"

namespace ss::bench {
namespace {

constexpr std::int64_t ttl_ms = 1440 * 1000;
constexpr std::string_view lock_ttl_ms = "30000";

/// One connection; `run` sends a command and keeps the reply until the next one.
class RawRedis {
 public:
  explicit RawRedis(int port) : ctx_(redisConnect("127.0.0.1", port)) {}
  ~RawRedis() {
    if (reply_ != nullptr) freeReplyObject(reply_);
    if (ctx_ != nullptr) redisFree(ctx_);
  }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  [[nodiscard]] bool ok() const { return ctx_ != nullptr && ctx_->err == 0; }

  /// The reply, or nullptr on a broken connection or an error reply.
  const redisReply* run(std::initializer_list<std::string_view> argv) {
    if (reply_ != nullptr) freeReplyObject(reply_);
    ptrs_.clear();
    lens_.clear();
    for (std::string_view a : argv) {
      ptrs_.push_back(a.data());
      lens_.push_back(a.size());
    }
    reply_ = static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(argv.size()), ptrs_.data(), lens_.data()));
    if (reply_ == nullptr || reply_->type == REDIS_REPLY_ERROR) return nullptr;
    return reply_;
  }

 private:
  redisContext* ctx_;
  redisReply* reply_ = nullptr;
  std::vector<const char*> ptrs_;
  std::vector<std::size_t> lens_;
};

std::int64_t real_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string copy_value(const redisReply* r) {
  return r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : std::string();
}

const std::string key = "bench-r:" + cycle_id;
const std::string lock_key = key + "_LOCK";
const std::string secret = "0123456789abcdef.1.1.1";
/// The handler's read cap, passed to the live-value scripts as it does.
const std::string max_bytes = std::to_string(handlers::redis_payload_bytes_max);

/// The read of `none` and `lock`: the live-value script.
bool read_live(RawRedis& redis) {
  const std::string now = std::to_string(real_now_ms());
  const redisReply* got =
      redis.run({"EVAL", handlers::redis_lua::get_live, "1", key, now, max_bytes});
  if (got == nullptr) return false;
  std::string read = copy_value(got);
  benchmark::DoNotOptimize(read);
  return true;
}

/// `none`: read = the live-value script, write = SET PXAT.
bool none_cycle(RawRedis& redis, const std::string& data) {
  if (!read_live(redis)) return false;
  const std::string expiry = std::to_string(real_now_ms() + ttl_ms);
  return redis.run({"SET", key, data, "PXAT", expiry}) != nullptr;
}

/// `optimistic`: read = the value-and-expiry script, write = WATCH, the live-value script,
/// MULTI, SET PXAT, EXEC.
bool optimistic_cycle(RawRedis& redis, const std::string& data) {
  const std::string now = std::to_string(real_now_ms());
  const redisReply* got =
      redis.run({"EVAL", handlers::redis_lua::get_live_with_expiry, "1", key, now, max_bytes});
  if (got == nullptr) return false;
  // {value, expiry}, or nil for no session.
  std::string read = got->type == REDIS_REPLY_ARRAY && got->elements == 2
                         ? copy_value(got->element[0])
                         : std::string();
  benchmark::DoNotOptimize(read);
  if (redis.run({"WATCH", key}) == nullptr) return false;
  const std::string now2 = std::to_string(real_now_ms());
  if (redis.run({"EVAL", handlers::redis_lua::get_live, "1", key, now2, max_bytes}) == nullptr)
    return false;
  if (redis.run({"MULTI"}) == nullptr) return false;
  const std::string expiry = std::to_string(real_now_ms() + ttl_ms);
  if (redis.run({"SET", key, data, "PXAT", expiry}) == nullptr) return false;
  const redisReply* exec = redis.run({"EXEC"});
  return exec != nullptr && exec->type == REDIS_REPLY_ARRAY;
}

/// `lock`: SET NX PX the lock, the live-value script, the guarded-set script, the release
/// script.
bool lock_cycle(RawRedis& redis, const std::string& data) {
  const redisReply* locked = redis.run({"SET", lock_key, secret, "NX", "PX", lock_ttl_ms});
  if (locked == nullptr || locked->type != REDIS_REPLY_STATUS || !read_live(redis)) return false;
  const std::string expiry = std::to_string(real_now_ms() + ttl_ms);
  const redisReply* set = redis.run(
      {"EVAL", handlers::redis_lua::guarded_set, "2", key, lock_key, data, expiry, secret});
  if (set == nullptr || set->integer != 1) return false;
  return redis.run({"EVAL", handlers::redis_lua::release, "1", lock_key, secret}) != nullptr;
}

using Cycle = bool (*)(RawRedis&, const std::string&);

void redis_raw(benchmark::State& state, Cycle cycle) {
  const auto port = cycle_redis_port();
  if (!port) {
    state.SkipWithError(redis_skip_message);
    return;
  }
  RawRedis redis(*port);
  if (redis.ok()) redis.run({"DEL", key, lock_key});
  run_raw_cycles(
      state, [&](const std::string& data) { return redis.ok() && cycle(redis, data); },
      [&] { return "redis 127.0.0.1:" + std::to_string(*port) + ": a command failed"; });
  if (redis.ok()) redis.run({"DEL", key, lock_key});
}

BENCHMARK_CAPTURE(redis_raw, none, none_cycle)->Name("cycle/redis-none/raw")->UseRealTime();
BENCHMARK_CAPTURE(redis_raw, optimistic, optimistic_cycle)
    ->Name("cycle/redis-optimistic/raw")
    ->UseRealTime();
BENCHMARK_CAPTURE(redis_raw, lock, lock_cycle)->Name("cycle/redis-lock/raw")->UseRealTime();

}  // namespace
}  // namespace ss::bench
