// Differential property test: random scenarios (requests of script calls across ini settings and
// handler variants) run in the php-8.2 model and in real PHP 8.2; the traces must agree event by
// event (ids normalised). A difference is a model bug: it is fixed in model/, never filtered here.
//
//   build/tests/php_diff_tests                                  # CI: 1,000 cases, fixed seed
//   SESSIONSPEC_DIFF_CASES=50000 SESSIONSPEC_DIFF_SEED=$RANDOM                # a long run
//       build/tests/php_diff_tests --gtest_filter='PhpDiff.ModelMatchesRealPhp'
//
// Real PHP runs in one persistent process (oracle/worker.php); WorkerMatchesProcessPerRequest
// keeps that honest against one PHP process per request (oracle/harness.php).

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "oracle/php_oracle.hpp"
#include "oracle/scenario_gen.hpp"
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

/// One work directory and one PHP worker for the whole test program.
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

TEST(PhpDiff, ModelMatchesRealPhp) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const auto cases = env_number("SESSIONSPEC_DIFF_CASES", 1000);
  const auto seed = env_number("SESSIONSPEC_DIFF_SEED", 20240601);
  int fallbacks = 0;
  std::uint64_t with_faults = 0, with_abnormal_ends = 0, all = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = check("model vs real PHP", cases, seed, [&] {
    const std::string text = scn_text(*gen_scenario());
    ++all;
    with_faults += text.find("\n  fault ") != std::string::npos ? 1 : 0;
    with_abnormal_ends += abnormal_end(text) ? 1 : 0;
    const auto sc = parse_or_fail(text);
    std::string error;
    auto result = compare_with_php(sc, {}, oracle().with_worker(), error);
    if (!result) RC_FAIL("PHP could not run it: " + error + "\n" + text);
    if (result->fell_back && fallbacks++ < 3) {
      std::cerr << "fell back to one PHP per request: " << result->fallback_reason << "\n";
    }
    if (result->difference) {
      RC_FAIL("difference: " + *result->difference + "\n--- scenario\n" + text + "--- model\n" +
              show_trace(result->model) + "--- php\n" + show_trace(result->php));
    }
  });
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

/// Scenario runs per second, worker vs one PHP process per request (docs/benchmarks.md):
///   php_diff_tests --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST(PhpDiff, DISABLED_Throughput) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const auto cases = env_number("SESSIONSPEC_DIFF_BENCH_CASES", 200);
  std::vector<scenarios::Scenario> scs;
  (void)check("collect", cases, 99,
              [&] { scs.push_back(parse_or_fail(scn_text(*gen_scenario()))); });
  std::size_t requests = 0;
  for (const auto& sc : scs) requests += sc.requests.size();
  for (const bool use_worker : {true, false}) {
    const OracleSetup setup = use_worker ? oracle().with_worker() : oracle().setup;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& sc : scs) {
      std::string error;
      ASSERT_TRUE(compare_with_php(sc, {}, setup, error)) << error;
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << (use_worker ? "worker:  " : "process: ") << scs.size() << " scenarios ("
              << requests << " requests) in " << s << " s = " << double(scs.size()) / s
              << " runs/s\n";
  }
}

}  // namespace
}  // namespace ss::oracle
