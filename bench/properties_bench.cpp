// The stateful properties' cost. One corpus of generated cases (configuration + command
// sequence, fixed seed) runs against the memory handler with and without the model checks, side
// by side: the checks (shadow engine, reference store, final audit) should cost at most 1.5x the
// unchecked run. Then checked cases per second for every handler this build can make.
// docs/benchmarks.md has the figures and the command.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "handlers/registry.hpp"
#include "properties/property.hpp"

namespace ss::properties {
namespace {

/// Cases per corpus and the RapidCheck size they are generated at (sequences of 1..size+1
/// commands, so about 26 on average).
constexpr int corpus_cases = 64;
constexpr int corpus_size = 50;
constexpr std::uint64_t corpus_seed = 20240601;

struct GeneratedCase {
  CaseConfig config;
  CommandSequence commands;
};

/// The same cases every run: generated from a fixed seed outside any property.
std::vector<GeneratedCase> corpus(model::EngineKind engine, bool overlap) {
  std::vector<GeneratedCase> out;
  rc::Random random(corpus_seed);
  for (int i = 0; i < corpus_cases; ++i) {
    GeneratedCase c;
    c.config = gen_case(engine)(random.split(), corpus_size).value();
    const GenState initial{engine, overlap, false};
    c.commands =
        rc::state::gen::commands(initial, &gen_command)(random.split(), corpus_size).value();
    out.push_back(std::move(c));
  }
  return out;
}

std::string scratch_dir() {
  const auto dir = std::filesystem::temp_directory_path() / "sessionspec-bench";
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// Runs every case of `cases` once against `uri`; counts cases and commands.
void run_corpus(benchmark::State& state, const std::string& uri,
                const std::vector<GeneratedCase>& cases, bool checked) {
  const auto target = handlers::parse_handler_spec(uri);
  if (!target) {
    state.SkipWithError(target.error().reason.c_str());
    return;
  }
  const Tolerances tolerances = tolerances_for(target.value());
  std::int64_t commands = 0;
  std::int64_t failures = 0;
  for (auto _ : state) {
    for (const auto& c : cases) {
      Harness h(c.config, target.value(), checked, tolerances);
      const GenState initial{c.config.engine, h.overlap_allowed(), false};
      const std::size_t ran = run_commands(c.commands, initial, h);
      if (ran == c.commands.size()) h.finish();
      commands += static_cast<std::int64_t>(ran);
      failures += h.failure() ? 1 : 0;
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(cases.size()));
  state.counters["commands/s"] =
      benchmark::Counter(static_cast<double>(commands), benchmark::Counter::kIsRate);
  // A correct handler never fails; a non-zero count means the figures measure a broken run.
  state.counters["failures"] = static_cast<double>(failures);
}

/// The corpus for last-writer-wins handlers (overlapping requests included) and for the rest.
const std::vector<GeneratedCase>& shared_corpus(bool overlap) {
  static const auto with = corpus(model::EngineKind::php82, true);
  static const auto without = corpus(model::EngineKind::php82, false);
  return overlap ? with : without;
}

void memory_unchecked(benchmark::State& state) {
  run_corpus(state, "memory", shared_corpus(true), false);
}

void memory_checked(benchmark::State& state) {
  run_corpus(state, "memory", shared_corpus(true), true);
}

BENCHMARK(memory_unchecked)->Name("properties/memory/unchecked")->Unit(benchmark::kMillisecond);
BENCHMARK(memory_checked)->Name("properties/memory/checked")->Unit(benchmark::kMillisecond);

/// Checked cases per second for every handler this build can make (memory, files, table,
/// sqlite; redis when REDIS_PORT is set), registered when the program starts.
struct RegisterPerHandler {
  RegisterPerHandler() {
    handlers::ManualClock clock(0);
    for (const auto& uri : handlers::available_handlers(scratch_dir())) {
      auto spec = handlers::parse_handler_spec(uri);
      if (!spec) continue;
      auto made = handlers::make_isolated(spec.value(), 1, clock);
      if (!made) continue;
      const bool lww =
          made.value()->guarantees().concurrency == handlers::Concurrency::last_writer_wins;
      made.value().reset();
      const std::string name = "properties/cases/" + uri.substr(0, uri.find(':'));
      // Wall time: files, SQLite and Redis wait on the kernel and the disk, not on the CPU.
      benchmark::RegisterBenchmark(
          name.c_str(),
          [uri, lww](benchmark::State& state) { run_corpus(state, uri, shared_corpus(lww), true); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
};
const RegisterPerHandler register_per_handler;

}  // namespace
}  // namespace ss::properties
