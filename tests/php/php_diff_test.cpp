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

namespace ss::oracle {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* dir = std::getenv("SESSIONSPEC_SOURCE_DIR");
  return dir ? dir : SESSIONSPEC_SOURCE_DIR_DEFAULT;
}

bool php_available() { return std::system("php -n -r 'exit(0);' >/dev/null 2>&1") == 0; }

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// ---- the generator -------------------------------------------------------------------------
// Scenarios are generated as .scn text (docs/scenario-format.md) so that a counterexample is a
// file that can be saved under scenarios/php/ as it is. Choices shrink towards their first
// element, so the first entry of each list is the simplest.

struct GenRequest {
  std::string header;  // "request", "request cookie=none", ...
  std::vector<std::string> calls;
};

struct GenScenario {
  std::vector<std::string> header;
  std::vector<GenRequest> requests;
};

/// Ids a cookie or session_id() may name: the seeded one, an unknown one, one the files module
/// refuses (it reaches a user handler unchanged) and one PHP drops before any handler call.
const char* const seeded_id = "seeded00000000000000000000";

rc::Gen<std::string> gen_key() {
  return rc::gen::element<std::string>("a", "b", "7", "\"x|y\"");
}

rc::Gen<std::string> gen_value() {
  return rc::gen::element<std::string>("1", "\"bar\"", "1.5", "true", "null", "[1,2]",
                                       "{\"k\":\"v\"}", "\"\"");
}

rc::Gen<std::string> gen_call() {
  using rc::gen::element;
  using rc::gen::just;
  using rc::gen::map;
  using rc::gen::tuple;
  auto keyed = [](const char* op) {
    return map(gen_key(), [op](const std::string& k) { return std::string(op) + " " + k; });
  };
  auto valued = [](const char* op) {
    return map(tuple(gen_key(), gen_value()), [op](const std::tuple<std::string, std::string>& t) {
      return std::string(op) + " " + std::get<0>(t) + " " + std::get<1>(t);
    });
  };
  return rc::gen::weightedOneOf<std::string>({
      {12, element<std::string>("session_start", "session_start read_and_close=1",
                                "session_start lazy_write=0")},
      {6, element<std::string>("session_write_close", "session_commit", "session_abort")},
      {6, element<std::string>("session_regenerate_id", "session_regenerate_id true")},
      {6, element<std::string>("session_reset", "session_destroy", "session_unset",
                               "session_gc", "session_status")},
      {4, element<std::string>("session_id", "session_id \"custom000000000000000000cc\"",
                               std::string("session_id \"") + seeded_id + "\"",
                               "session_id \"x.y;z\"", "session_id \"has space\"")},
      {2, element<std::string>("session_create_id", "session_create_id \"pfx-\"")},
      {14, valued("set")},
      {3, valued("push")},
      {4, keyed("incr")},
      {3, keyed("unset")},
      {4, keyed("get")},
      {3, element<std::string>("advance 30", "advance 1000", "advance 3000")},
  });
}

rc::Gen<GenRequest> gen_request() {
  auto header = rc::gen::weightedOneOf<std::string>({
      {8, rc::gen::just<std::string>("request")},
      {2, rc::gen::just<std::string>("request cookie=none")},
      {2, rc::gen::element<std::string>(std::string("request cookie=") + seeded_id,
                                        "request cookie=unknown00000000000000000000",
                                        "request cookie=x.y;z")},
  });
  auto calls = rc::gen::resize(8, rc::gen::container<std::vector<std::string>>(gen_call()));
  return rc::gen::map(rc::gen::tuple(header, calls),
                      [](const std::tuple<std::string, std::vector<std::string>>& t) {
                        return GenRequest{std::get<0>(t), std::get<1>(t)};
                      });
}

rc::Gen<GenScenario> gen_scenario() {
  using rc::gen::element;
  auto header = rc::gen::tuple(
      element<std::string>("full", "basic", "sessionhandler"), element<std::string>("1", "0"),
      element<std::string>("0", "1"), element<std::string>("php", "php_serialize", "php_binary"),
      element<std::string>("0", "1"), element<std::string>("1440", "100"),
      element<std::string>("", "age_s=0", "age_s=50", "age_s=5000"));
  auto requests = rc::gen::resize(
      4, rc::gen::nonEmpty(rc::gen::container<std::vector<GenRequest>>(gen_request())));
  return rc::gen::map(rc::gen::tuple(header, requests), [](const auto& t) {
    const auto& [variant, lazy, strict, ser, gcp, gcmax, store] = std::get<0>(t);
    GenScenario s;
    s.header.push_back("variant " + variant);
    s.header.push_back("ini lazy_write=" + lazy + " use_strict_mode=" + strict +
                       " serialize_handler=" + ser);
    s.header.push_back("ini gc_probability=" + gcp + " gc_divisor=1 gc_maxlifetime=" + gcmax);
    if (!store.empty()) {
      s.header.push_back(std::string("store ") + seeded_id + " \"foo|s:3:\\\"bar\\\";\" " + store);
    }
    s.requests = std::get<1>(t);
    return s;
  });
}

std::string scn_text(const GenScenario& g) {
  std::string out = "scenario diff\n";
  for (const auto& h : g.header) out += h + "\n";
  for (const auto& r : g.requests) {
    out += "\n" + r.header + "\n";
    for (const auto& c : r.calls) out += "  " + c + "\n";
  }
  return out;
}

/// How RapidCheck prints a counterexample: as the .scn file it stands for.
void showValue(const GenScenario& g, std::ostream& os) { os << "\n" << scn_text(g); }

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
  for (const auto& e : events) out += "    " + comparable(e).dump() + "\n";
  return out;
}

rc::detail::TestParams params(std::uint64_t cases, std::uint64_t seed) {
  rc::detail::TestParams p;
  p.maxSuccess = static_cast<int>(cases);
  p.seed = seed;
  p.maxSize = 100;
  return p;
}

/// Runs a property with explicit parameters (not RC_PARAMS), so that ctest's run is fixed.
bool check(const std::string& name, std::uint64_t cases, std::uint64_t seed,
           const std::function<void()>& property) {
  rc::detail::TestMetadata meta;
  meta.id = name;
  meta.description = name;
  const auto result = rc::detail::checkTestable(property, meta, params(cases, seed));
  std::ostringstream msg;
  rc::detail::printResultMessage(result, msg);
  std::cerr << name << " (seed " << seed << ", " << cases << " cases): " << msg.str() << "\n";
  return result.template is<rc::detail::SuccessResult>();
}

TEST(PhpDiff, ModelMatchesRealPhp) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const auto cases = env_number("SESSIONSPEC_DIFF_CASES", 1000);
  const auto seed = env_number("SESSIONSPEC_DIFF_SEED", 20240601);
  int fallbacks = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = check("model vs real PHP", cases, seed, [&] {
    const std::string text = scn_text(*gen_scenario());
    const auto sc = parse_or_fail(text);
    std::string error;
    auto result = compare_with_php(sc, {}, oracle().with_worker(), error);
    if (!result) RC_FAIL("PHP could not run it: " + error + "\n" + text);
    fallbacks += result->fell_back ? 1 : 0;
    if (result->difference) {
      RC_FAIL("difference: " + *result->difference + "\n--- scenario\n" + text +
              "--- model\n" + show_trace(result->model) + "--- php\n" + show_trace(result->php));
    }
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cerr << "ran in " << s << " s; " << fallbacks << " fell back to one PHP per request\n";
  EXPECT_TRUE(ok) << "see the counterexample above (save it under scenarios/php/)";
}

/// Compares two PHP traces of the same scenario.
std::string php_difference(const std::vector<nlohmann::json>& a,
                           const std::vector<nlohmann::json>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (comparable(a[i]) != comparable(b[i])) {
      return "event " + std::to_string(i + 1) + "\n  worker:  " + comparable(a[i]).dump() +
             "\n  process: " + comparable(b[i]).dump();
    }
  }
  if (a.size() != b.size()) return "event counts " + std::to_string(a.size()) + " / " +
                                   std::to_string(b.size());
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
