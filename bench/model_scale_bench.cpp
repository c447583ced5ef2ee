// How the model's per-element costs grow with the input (issue #14, D14): building a PHP array
// with push() and set(), observing a TTL store of n sessions, and tokenising an `expect calls`
// line of n tokens. Each benchmark reports Google Benchmark's complexity fit; all are O(n) (the
// array and the parser were O(n^2), the store O(n^2 log n)). tests/reliability/
// complexity_test.cpp holds hang guards of the same operations. docs/benchmarks.md has the figures.

#include <benchmark/benchmark.h>

#include <string>

#include "model/calls.hpp"
#include "model/store_model.hpp"
#include "model/value.hpp"
#include "scenarios/scenario.hpp"

namespace ss::bench {
namespace {

void array_push(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  for (auto _ : state) {
    model::Array a;
    for (std::int64_t i = 0; i < n; ++i) a.push(model::Value{i});
    benchmark::DoNotOptimize(a);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(array_push)
    ->Name("model/array/push")
    ->RangeMultiplier(4)
    ->Range(1 << 8, 1 << 16)
    ->Complexity();

void array_set(benchmark::State& state) {
  const auto n = static_cast<std::int64_t>(state.range(0));
  std::vector<model::Key> keys;
  for (std::int64_t i = 0; i < n; ++i) keys.emplace_back("k" + std::to_string(i));
  for (auto _ : state) {
    model::Array a;
    for (const auto& k : keys) a.set(k, model::Value{1});
    benchmark::DoNotOptimize(a);
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(array_set)
    ->Name("model/array/set")
    ->RangeMultiplier(4)
    ->Range(1 << 8, 1 << 16)
    ->Complexity();

// n writes, then n reads, on a TTL store whose first half has expired by the reads.
void store_ttl(benchmark::State& state) {
  const auto n = static_cast<int>(state.range(0));
  model::StoreConfig config;
  config.expiry = model::Expiry::ttl;
  config.ttl_s = n / 2;
  for (auto _ : state) {
    model::StoreModel store(config);
    std::int64_t now = 1'000'000;
    for (int i = 0; i < n; ++i, ++now) {
      (void)store.observe({model::Method::write, {"id" + std::to_string(i), "k|i:1;"}},
                          model::Answer::boolean_(true), now);
    }
    for (int i = 0; i < n; ++i) {
      (void)store.observe({model::Method::read, {"id" + std::to_string(i)}},
                          model::Answer::string_(""), now);
    }
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(store_ttl)
    ->Name("model/store/ttl-observe")
    ->RangeMultiplier(4)
    ->Range(1 << 8, 1 << 14)
    ->Complexity();

void parse_expect_calls(benchmark::State& state) {
  std::string text = "request cookie=none\n  session_start\n  expect calls";
  for (int i = 0; i < state.range(0); ++i) text += " read";
  text += "\n";
  for (auto _ : state) {
    auto parsed = scenarios::parse_scenario(text, "bench.scn");
    benchmark::DoNotOptimize(parsed);
  }
  state.SetComplexityN(state.range(0));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(parse_expect_calls)
    ->Name("scenarios/parse/expect-calls")
    ->RangeMultiplier(8)
    ->Range(1 << 10, 1 << 19)
    ->Complexity();

}  // namespace
}  // namespace ss::bench
