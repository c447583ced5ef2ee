// Differential property test: random scenarios (requests of script calls across ini settings and
// handler variants) run in the php-8.2 model and in real PHP 8.2; the traces must agree event by
// event (ids normalised). A difference is a model bug: it is fixed in model/, never filtered here.
//
//   build/tests/php_diff_tests                                  # CI: 1,000 cases, fixed seed
//   SESSIONSPEC_DIFF_CASES=50000 SESSIONSPEC_DIFF_SEED=$RANDOM                # a long run
//       build/tests/php_diff_tests --gtest_filter='PhpDiff.ModelMatchesRealPhp'
//
// Real PHP runs in persistent processes (oracle/worker.php), one per core (SESSIONSPEC_DIFF_JOBS
// sets how many: oracle/worker_pool.hpp); WorkerMatchesProcessPerRequest keeps the worker honest
// against one PHP process per request (oracle/harness.php), PoolMatchesOneWorker the pool against
// one worker.

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "oracle/php_oracle.hpp"
#include "oracle/scenario_gen.hpp"
#include "oracle/worker_pool.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::oracle {
namespace {

namespace fs = std::filesystem;

using ss::test::source_dir;

bool php_available() {
  return std::system("php -n -r 'exit(0);' >/dev/null 2>&1") == 0;
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// ---- running -------------------------------------------------------------------------------

/// One work directory and one PHP worker for the whole test program; pools below it.
struct Oracle {
  OracleSetup setup;
  std::unique_ptr<PhpWorker> worker;
  Oracle() {
    setup.harness_dir = source_dir() + "/oracle";
    setup.work_dir =
        (fs::temp_directory_path() / ("sessionspec-diff-" + std::to_string(::getpid()))).string();
    worker = std::make_unique<PhpWorker>(setup);
  }
  ~Oracle() {
    worker.reset();
    std::error_code ec;
    fs::remove_all(setup.work_dir, ec);
  }
  [[nodiscard]] OracleSetup with_worker() const {
    OracleSetup s = setup;
    s.worker = worker.get();
    return s;
  }
  /// A pool of `jobs` workers (0: one per core) in a directory of its own.
  [[nodiscard]] std::unique_ptr<WorkerPool> pool(unsigned jobs, const std::string& name) const {
    OracleSetup s = setup;
    s.work_dir = setup.work_dir + "/" + name;
    fs::create_directories(s.work_dir);
    return std::make_unique<WorkerPool>(s, jobs);
  }
};

Oracle& oracle() {
  static Oracle o;
  return o;
}

scenarios::Scenario parse_or_fail(const std::string& text) {
  auto parsed = scenarios::parse_scenario(text, "diff.scn");
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) {
    RC_FAIL("generated scenario does not parse: " + e->str() + "\n" + text);
  }
  return std::get<scenarios::Scenario>(std::move(parsed));
}

std::string show_trace(const std::vector<nlohmann::json>& events) {
  std::string out;
  for (const auto& e : events) {
    out += "    " + comparable(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
           "\n";
  }
  return out;
}

/// Whether a generated scenario ends a request early or registers shutdown functions.
bool abnormal_end(const std::string& text) {
  for (const char* op :
       {"\n  exit", "\n  throw", "\n  fatal", "\n  exhaust_memory", "\n  on_shutdown",
        "\n  session_register_shutdown", "register_shutdown=0"}) {
    if (text.find(op) != std::string::npos) return true;
  }
  return false;
}

/// Runs a property with explicit parameters (not RC_PARAMS), so that ctest's run is fixed.
bool check(const std::string& name, std::uint64_t cases, std::uint64_t seed,
           const std::function<void()>& property) {
  std::string message;
  const bool ok = check_cases(name, cases, seed, property, message);
  std::cerr << name << " (seed " << seed << ", " << cases << " cases): " << message << "\n";
  return ok;
}

/// A generated scenario's verdict against real PHP: nullopt when model and PHP agree.
std::optional<std::string> judge_case(const std::string& text, const OracleSetup& setup,
                                      std::atomic<int>& fallbacks) {
  auto parsed = scenarios::parse_scenario(text, "diff.scn");
  if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) {
    return "generated scenario does not parse: " + e->str() + "\n" + text;
  }
  std::string error;
  auto result = compare_with_php(std::get<scenarios::Scenario>(parsed), {}, setup, error);
  if (!result) return "PHP could not run it: " + error + "\n" + text;
  if (result->fell_back && fallbacks++ < 3) {
    std::cerr << "fell back to one PHP per request: " << result->fallback_reason << "\n";
  }
  if (!result->difference) return std::nullopt;
  return "difference: " + *result->difference + "\n--- scenario\n" + text + "--- model\n" +
         show_trace(result->model) + "--- php\n" + show_trace(result->php);
}

TEST(PhpDiff, ModelMatchesRealPhp) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const auto cases = env_number("SESSIONSPEC_DIFF_CASES", 1000);
  const auto seed = env_number("SESSIONSPEC_DIFF_SEED", 20240601);
  const auto pool = oracle().pool(unsigned(env_number("SESSIONSPEC_DIFF_JOBS", 0)), "model");
  std::atomic<int> fallbacks{0};
  std::uint64_t with_faults = 0, with_abnormal_ends = 0, all = 0;
  const auto t0 = std::chrono::steady_clock::now();
  std::string message;
  const auto draw = [&] {
    std::string text = scn_text(*gen_scenario());
    if (all < cases) {  // the first run's draws (a shrinking run draws again)
      ++all;
      with_faults += text.find("\n  fault ") != std::string::npos ? 1 : 0;
      with_abnormal_ends += abnormal_end(text) ? 1 : 0;
    }
    return text;
  };
  const bool ok = check_cases_pooled(
      "model vs real PHP", cases, seed, *pool, draw,
      [&](const std::string& text, PoolLane& lane) {
        return judge_case(text, lane.setup, fallbacks);
      },
      message);
  std::cerr << "model vs real PHP (seed " << seed << ", " << cases << " cases, " << pool->size()
            << " workers): " << message << "\n";
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << "ran in " << s << " s; " << fallbacks << " fell back to one PHP per request; "
            << with_faults << " of " << all << " scenarios inject handler failures, "
            << with_abnormal_ends << " end a request abnormally or use shutdown functions\n";
  EXPECT_TRUE(ok) << "see the counterexample above (save it under scenarios/php/)";
  // The generator must keep drawing what the differential test is there to check.
  if (ok && all >= 100) {
    EXPECT_GE(with_faults * 5, all) << "fewer than 1 in 5 scenarios inject a failure";
    EXPECT_GE(with_abnormal_ends * 5, all) << "fewer than 1 in 5 scenarios end abnormally";
  }
}

/// Compares two PHP traces of the same scenario.
std::string php_difference(const std::vector<nlohmann::json>& a,
                           const std::vector<nlohmann::json>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (comparable(a[i]) != comparable(b[i])) {
      constexpr auto lenient = nlohmann::json::error_handler_t::replace;
      return "event " + std::to_string(i + 1) +
             "\n  worker:  " + comparable(a[i]).dump(-1, ' ', false, lenient) +
             "\n  process: " + comparable(b[i]).dump(-1, ' ', false, lenient);
    }
  }
  if (a.size() != b.size())
    return "event counts " + std::to_string(a.size()) + " / " + std::to_string(b.size());
  return {};
}

// The persistent worker must trace exactly what one PHP process per request traces.
TEST(PhpDiff, WorkerMatchesProcessPerRequest) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const auto cases = env_number("SESSIONSPEC_DIFF_WORKER_CASES", 60);
  const bool ok = check("worker vs process", cases, 7, [&] {
    const std::string text = scn_text(*gen_scenario());
    const auto sc = parse_or_fail(text);
    std::string error;
    auto via_worker = compare_with_php(sc, {}, oracle().with_worker(), error);
    if (!via_worker) RC_FAIL("worker: " + error + "\n" + text);
    auto via_process = compare_with_php(sc, {}, oracle().setup, error);
    if (!via_process) RC_FAIL("process: " + error + "\n" + text);
    const std::string diff = php_difference(via_worker->php, via_process->php);
    if (!diff.empty()) RC_FAIL(diff + "\n" + text);
  });
  EXPECT_TRUE(ok);
}

// The pool's answer does not depend on the number of lanes: the first failing case, with every
// case before it run, whatever the order in which the lanes finish them.
TEST(WorkerPool, FirstFailureWhateverTheLanes) {
  for (const unsigned jobs : {1u, 2u, 4u}) {
    WorkerPool pool(oracle().setup, jobs);
    std::vector<std::atomic<int>> ran(64);
    const auto first = pool.run(ran.size(), [&](std::size_t i, PoolLane&) {
      // Later cases finish sooner, so that a lane reaches case 40 before another finishes 17.
      std::this_thread::sleep_for(std::chrono::microseconds(200 * (64 - i)));
      ++ran[i];
      return i != 17 && i != 40;
    });
    ASSERT_TRUE(first) << jobs << " lanes";
    EXPECT_EQ(*first, 17u) << jobs << " lanes";
    for (std::size_t i = 0; i <= 17; ++i) EXPECT_EQ(ran[i].load(), 1) << "case " << i;
    EXPECT_FALSE(pool.run(10, [](std::size_t, PoolLane&) { return true; }));
  }
}

// A worker that hangs is killed at the request's deadline, its case fails, and the lane's next
// case starts another PHP: no pool waits without bound.
TEST(WorkerPool, ReplacesAHungWorker) {
  OracleSetup setup = oracle().setup;
  setup.php = source_dir() + "/tests/php/fixtures/silent-php.sh";
  setup.timeout_s = 1;
  setup.work_dir += "/hung";
  WorkerPool pool(setup, 2);
  std::vector<PhpWorker::Reply> replies(4);
  const auto t0 = std::chrono::steady_clock::now();
  const auto first = pool.run(replies.size(), [&](std::size_t i, PoolLane& lane) {
    std::vector<nlohmann::json> events;
    std::string message;
    replies[i] =
        lane.worker->run(nlohmann::json{{"calls", nlohmann::json::array()}}, events, message);
    return i == 0 || replies[i] == PhpWorker::Reply::done;  // case 0 may hang
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 1u);
  EXPECT_EQ(replies[0], PhpWorker::Reply::timeout);
  EXPECT_EQ(replies[1], PhpWorker::Reply::timeout);
  EXPECT_LT(s, 10.0) << "two lanes, a 1 s deadline each";
  // The lane that ran case 0 ran another after it: a second PHP process.
  (void)pool.run(2, [&](std::size_t i, PoolLane& lane) {
    std::vector<nlohmann::json> events;
    std::string message;
    replies[2 + i] = lane.worker->run(nlohmann::json::object(), events, message);
    return true;
  });
  EXPECT_EQ(replies[2], PhpWorker::Reply::timeout);
  EXPECT_GE(pool.starts(), 3);
}

// The pool traces what one worker traces, case by case.
TEST(PhpDiff, PoolMatchesOneWorker) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const auto cases = env_number("SESSIONSPEC_DIFF_POOL_CASES", 60);
  std::vector<std::string> texts;
  (void)check("collect", cases, 11, [&] { texts.push_back(scn_text(*gen_scenario())); });
  std::vector<std::vector<std::vector<std::string>>> traces;
  for (const unsigned jobs : {1u, 3u}) {
    auto pool = oracle().pool(jobs, "pool-" + std::to_string(jobs));
    auto& php = traces.emplace_back(texts.size());
    const auto failed = pool->run(texts.size(), [&](std::size_t i, PoolLane& lane) {
      auto parsed = scenarios::parse_scenario(texts[i], "diff.scn");
      std::string error;
      auto r = compare_with_php(std::get<scenarios::Scenario>(parsed), {}, lane.setup, error);
      if (!r) return false;
      // The lane's directory (the save path in open's arguments) is the one thing that differs.
      for (const auto& e : r->php) {
        std::string text =
            comparable(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        for (std::size_t at; (at = text.find(lane.setup.work_dir)) != std::string::npos;) {
          text.replace(at, lane.setup.work_dir.size(), "LANE");
        }
        php[i].push_back(std::move(text));
      }
      return true;
    });
    ASSERT_FALSE(failed) << texts[*failed];
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(traces[0][i], traces[1][i]) << "case " << i + 1 << "\n" << texts[i];
  }
}

/// CPU seconds (user + system) of this process and of its ended children.
struct Cpu {
  double self = 0;
  double children = 0;
  Cpu operator-(const Cpu& o) const { return {self - o.self, children - o.children}; }
};

Cpu cpu_now() {
  const auto seconds = [](int who) {
    rusage u{};
    ::getrusage(who, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  return {seconds(RUSAGE_SELF), seconds(RUSAGE_CHILDREN)};
}

/// Scenario runs per second (docs/benchmarks.md): the worker pool (one worker per core, or
/// SESSIONSPEC_DIFF_JOBS), one worker, and one PHP process per request, in one run:
///   php_diff_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(PhpDiff, DISABLED_Throughput) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const auto cases = env_number("SESSIONSPEC_DIFF_BENCH_CASES", 200);
  const auto process_cases = env_number("SESSIONSPEC_DIFF_BENCH_PROCESS_CASES", 50);
  std::vector<scenarios::Scenario> scs;
  (void)check("collect", cases, 99,
              [&] { scs.push_back(parse_or_fail(scn_text(*gen_scenario()))); });
  std::size_t requests = 0;
  for (const auto& sc : scs) requests += sc.requests.size();
  const auto report = [&](const std::string& what, std::size_t n, double s) {
    std::cout << what << n << " scenarios in " << s << " s = " << double(n) / s << " runs/s\n";
  };
  std::cout << scs.size() << " scenarios, " << requests << " requests\n";
  for (const unsigned jobs : {pool_jobs(unsigned(env_number("SESSIONSPEC_DIFF_JOBS", 0))), 1u}) {
    std::atomic<int> fell_back{0};
    int restarts = 0;
    const Cpu cpu0 = cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    {
      auto pool = oracle().pool(jobs, "bench-" + std::to_string(jobs));
      const auto failed = pool->run(scs.size(), [&](std::size_t i, PoolLane& lane) {
        std::string error;
        const auto r = compare_with_php(scs[i], {}, lane.setup, error);
        fell_back += r && r->fell_back ? 1 : 0;
        return r.has_value();
      });
      ASSERT_FALSE(failed);
      restarts = pool->starts() - int(pool->size());
    }  // the workers end here: their CPU time is then the children's
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Cpu cpu = cpu_now() - cpu0;
    report("pool of " + std::to_string(jobs) + " worker(s): ", scs.size(), s);
    std::cout << "  CPU per scenario: " << 1000 * cpu.self / double(scs.size()) << " ms here + "
              << 1000 * cpu.children / double(scs.size()) << " ms in PHP; " << fell_back
              << " ran one PHP process per request, " << restarts << " worker restarts\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t n = std::min<std::size_t>(process_cases, scs.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::string error;
    ASSERT_TRUE(compare_with_php(scs[i], {}, oracle().setup, error)) << error;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report("one PHP process per request: ", n, s);
}

}  // namespace
}  // namespace ss::oracle
