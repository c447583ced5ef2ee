#pragma once
// One request cycle, as the handler benchmarks (bench/handler_cycle_bench.cpp) and their raw
// baselines (bench/raw_*.cpp) both run it: PHP's open, read, write, close on one session that
// already exists, writing one of two payloads of equal size in turn so that every write really
// changes the stored bytes. Keeping the id, the payloads and the scratch place here makes the
// handler and its raw backend do the same work on the same data.

#include <benchmark/benchmark.h>
#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace ss::bench {

/// A PHP-made id (26 characters of [a-v0-9], what session.sid_bits_per_character=5 gives).
inline const std::string cycle_id = "benchcycle0123456789abcdef";

/// Payload `n % 2`: a small logged-in session in PHP's `php` serializer format (133 bytes).
inline const std::string& cycle_payload(std::uint64_t n) {
  static const std::array<std::string, 2> payloads = {
      "uid|i:42;name|s:5:\"alice\";csrf|s:32:\"0123456789abcdef0123456789abcdef\";"
      "cart|a:2:{i:0;s:4:\"book\";i:1;s:3:\"pen\";}flash|N;visits|i:1000;",
      "uid|i:42;name|s:5:\"alice\";csrf|s:32:\"0123456789abcdef0123456789abcdef\";"
      "cart|a:2:{i:0;s:4:\"book\";i:1;s:3:\"pen\";}flash|N;visits|i:1001;"};
  return payloads[n % 2];
}

/// Where this process keeps its files, table write-through files and SQLite databases; removed
/// when the program ends (bench/handler_cycle_bench.cpp).
inline std::filesystem::path cycle_scratch_root() {
  return std::filesystem::temp_directory_path() /
         ("sessionspec-cycle-bench-" + std::to_string(::getpid()));
}

/// A fresh directory `what` under cycle_scratch_root().
inline std::string cycle_scratch_dir(const std::string& what) {
  const auto dir = cycle_scratch_root() / what;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// The redis-server to measure against: REDIS_PORT, or nothing (the Redis benchmarks then
/// report that they skipped).
inline std::optional<int> cycle_redis_port() {
  const char* p = std::getenv("REDIS_PORT");
  if (p == nullptr || *p == '\0') return std::nullopt;
  return std::atoi(p);
}

/// The loop of a raw baseline: `cycle(data)` once to create the session, then once per
/// iteration with the payloads in turn. A failing cycle stops the benchmark with `why()`.
template <class Cycle, class Why>
void run_raw_cycles(benchmark::State& state, Cycle&& cycle, Why&& why) {
  if (!cycle(cycle_payload(0))) {
    state.SkipWithError(why().c_str());
    return;
  }
  std::uint64_t n = 0;
  for (auto _ : state) {
    if (!cycle(cycle_payload(++n))) {
      state.SkipWithError(why().c_str());
      return;
    }
  }
}

inline constexpr const char* redis_skip_message =
    "skipped: REDIS_PORT is unset (start redis-server --bind 127.0.0.1 --port N --save '' "
    "--appendonly no, then REDIS_PORT=N)";

}  // namespace ss::bench
