// The php-8.2 model against real PHP 8.2: every shipped scenario, run in php8.2-cli with a tracing
// user handler (full and basic variants), must give the same handler calls, arguments, answers and
// script-visible results as the model (ids normalised).

#include "oracle/php_oracle.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>

#include "tests/support/source_dir.hpp"

namespace ss::oracle {
namespace {

namespace fs = std::filesystem;

using ss::test::source_dir;

bool php_available() {
  return std::system("php -n -r 'exit(0);' >/dev/null 2>&1") == 0;
}

struct Case {
  std::string file;
  model::Variant variant;
};

/// Every .scn under the folder, subfolders included (scenarios/php/failures/, shutdown/, api/).
std::vector<Case> shipped_cases() {
  std::vector<Case> out;
  for (const char* dir : {"scenarios/gist", "scenarios/lesson", "scenarios/php"}) {
    const fs::path p = fs::path(source_dir()) / dir;
    if (!fs::exists(p)) continue;
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(p)) {
      if (e.path().extension() == ".scn") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      // A scenario that pins a variant is about that handler shape (and may be one PHP crashes
      // on in another: failures/create-id-warning-lost.scn); the others run in all three.
      auto parsed = scenarios::load_scenario(f);
      const auto* sc = std::get_if<scenarios::Scenario>(&parsed);
      for (auto v : {model::Variant::full, model::Variant::basic, model::Variant::sessionhandler}) {
        if (sc && sc->variant && *sc->variant != v) continue;
        out.push_back({f, v});
      }
    }
  }
  return out;
}

class PhpOracle : public ::testing::TestWithParam<Case> {};

TEST_P(PhpOracle, ModelMatchesRealPhp) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const Case& c = GetParam();
  auto parsed = scenarios::load_scenario(c.file);
  ASSERT_TRUE(std::holds_alternative<scenarios::Scenario>(parsed))
      << std::get<scenarios::ParseError>(parsed).str();
  const auto& sc = std::get<scenarios::Scenario>(parsed);
  scenarios::RunConfig cfg;
  cfg.variant = c.variant;
  OracleSetup setup;
  setup.harness_dir = source_dir() + "/oracle";
  setup.work_dir =
      (fs::temp_directory_path() / ("sessionspec-oracle-" + std::to_string(::getpid()))).string();
  std::string error;
  auto result = compare_with_php(sc, cfg, setup, error);
  ASSERT_TRUE(result) << error;
  EXPECT_FALSE(result->difference)
      << c.file << " (" << model::variant_name(c.variant) << "): " << *result->difference;
  EXPECT_GT(result->php.size(), 2u);
  fs::remove_all(setup.work_dir);
}

// The comparison must be able to fail: the legacy profile (PHP 5's regenerate) is not PHP 8.2.
TEST(PhpOracleControl, LegacyEngineDiffersFromRealPhp) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto parsed = scenarios::load_scenario(source_dir() + "/scenarios/gist/3-regenerate.scn");
  ASSERT_TRUE(std::holds_alternative<scenarios::Scenario>(parsed));
  scenarios::RunConfig cfg;
  cfg.engine = model::EngineKind::legacy;
  OracleSetup setup;
  setup.harness_dir = source_dir() + "/oracle";
  setup.work_dir =
      (fs::temp_directory_path() / ("sessionspec-oracle-ctl-" + std::to_string(::getpid())))
          .string();
  std::string error;
  auto result = compare_with_php(std::get<scenarios::Scenario>(parsed), cfg, setup, error);
  ASSERT_TRUE(result) << error;
  ASSERT_TRUE(result->difference);
  EXPECT_NE(result->difference->find("\"name\":\"create_sid\""), std::string::npos)
      << *result->difference;
  fs::remove_all(setup.work_dir);
}

/// A shipped scenario in the model and in real PHP; they must agree (the controls below then
/// make the model's side wrong on purpose).
std::optional<OracleResult> agreeing_run(const std::string& file, model::Variant variant) {
  auto parsed = scenarios::load_scenario(source_dir() + "/" + file);
  if (!std::holds_alternative<scenarios::Scenario>(parsed)) return std::nullopt;
  scenarios::RunConfig cfg;
  cfg.variant = variant;
  OracleSetup setup;
  setup.harness_dir = source_dir() + "/oracle";
  setup.work_dir =
      (fs::temp_directory_path() / ("sessionspec-oracle-ctl-" + std::to_string(::getpid())))
          .string();
  std::string error;
  auto result = compare_with_php(std::get<scenarios::Scenario>(parsed), cfg, setup, error);
  fs::remove_all(setup.work_dir);
  if (!result || result->difference) return std::nullopt;
  return result;
}

/// The index of the first handler event of `method` after `from`, or the trace's size.
std::size_t find_call(const std::vector<nlohmann::json>& trace, const std::string& method,
                      std::size_t from = 0) {
  for (std::size_t i = from; i < trace.size(); ++i) {
    if (trace[i].value("kind", "") == "handler" && trace[i].value("name", "") == method) return i;
  }
  return trace.size();
}

// Handler failures: a model that forgets the close() PHP makes after a failed read is caught.
TEST(PhpOracleControl, FailureFamilyCatchesAMissingClose) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto r = agreeing_run("scenarios/php/failures/read-false.scn", model::Variant::full);
  ASSERT_TRUE(r) << "read-false.scn must agree with PHP before the control can mean anything";
  auto wrong = r->model_raw;
  const std::size_t close = find_call(wrong, "close", find_call(wrong, "read"));
  ASSERT_LT(close, wrong.size());
  wrong.erase(wrong.begin() + static_cast<std::ptrdiff_t>(close));
  auto diff = trace_difference(wrong, r->php_raw);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find("\"name\":\"close\""), std::string::npos) << *diff;
}

// Handler failures: both sides must inject into the same call (the "injected" mark compares).
TEST(PhpOracleControl, FailureFamilyComparesWhereTheFaultWent) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto r = agreeing_run("scenarios/php/failures/read-false.scn", model::Variant::full);
  ASSERT_TRUE(r);
  auto wrong = r->model_raw;
  const std::size_t read = find_call(wrong, "read");
  ASSERT_LT(read, wrong.size());
  wrong[read].erase("injected");
  auto diff = trace_difference(wrong, r->php_raw);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find("\"injected\":true"), std::string::npos) << *diff;
}

// Abnormal ends: a model that lets a shutdown function registered after session_register_shutdown()
// change what PHP writes (it runs after the write in PHP) is caught.
TEST(PhpOracleControl, ShutdownFamilyCatchesAWriteThatSawALateShutdownFunction) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto r = agreeing_run("scenarios/php/shutdown/shutdown-function-after-write.scn",
                        model::Variant::full);
  ASSERT_TRUE(r);
  auto wrong = r->model_raw;
  const std::size_t write = find_call(wrong, "write");
  ASSERT_LT(write, wrong.size());
  wrong[write]["args"][1] = "a|i:1;b|i:2;";
  auto diff = trace_difference(wrong, r->php_raw);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find("b|i:2;"), std::string::npos) << *diff;
}

// Abnormal ends: the fatal error a request ended with is compared too.
TEST(PhpOracleControl, ShutdownFamilyComparesTheFatalError) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto r = agreeing_run("scenarios/php/shutdown/memory-limit.scn", model::Variant::basic);
  ASSERT_TRUE(r);
  auto wrong = r->model_raw;
  for (auto& e : wrong) {
    if (e.value("kind", "") == "response") e["diagnostics"] = nlohmann::json::array();
  }
  auto diff = trace_difference(wrong, r->php_raw);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find("Allowed memory size of"), std::string::npos) << *diff;
}

// The rest of the API: a model whose session_encode() or ini_get() answered otherwise is caught.
TEST(PhpOracleControl, ApiFamilyCatchesAWrongAnswer) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto r = agreeing_run("scenarios/php/api/ini-at-runtime.scn", model::Variant::full);
  ASSERT_TRUE(r);
  auto wrong = r->model_raw;
  bool changed = false;
  for (auto& e : wrong) {
    if (!changed && e.value("name", "") == "ini_get" && e["result"] == "on") {
      e["result"] = "1";  // a model that normalised the string it was set with
      changed = true;
    }
  }
  ASSERT_TRUE(changed);
  auto diff = trace_difference(wrong, r->php_raw);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find("\"name\":\"ini_get\""), std::string::npos) << *diff;
}

/// Every string equal to `from` in the trace becomes `to` (a model that made another id).
void rename_id(std::vector<nlohmann::json>& trace, const std::string& from, const std::string& to) {
  std::function<void(nlohmann::json&)> walk = [&](nlohmann::json& v) {
    if (v.is_string() && v.get<std::string>() == from) v = to;
    if (v.is_array() || v.is_object()) {
      for (auto& item : v) walk(item);
    }
  };
  for (auto& e : trace) walk(e);
}

/// The id the first create_sid call answered.
std::string first_created_id(const std::vector<nlohmann::json>& trace) {
  const std::size_t i = find_call(trace, "create_sid");
  return i < trace.size() && trace[i]["result"].is_string() ? trace[i]["result"].get<std::string>()
                                                            : std::string();
}

// SessionHandler::create_sid() follows sid_length and sid_bits_per_character in the model as in
// PHP; the oracle renames ids but keeps their length and alphabet, so a model that gets either
// wrong is caught.
TEST(PhpOracleControl, IdLengthAndAlphabetAreCompared) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto parsed = scenarios::load_scenario(source_dir() + "/scenarios/gist/1-open-write-close.scn");
  ASSERT_TRUE(std::holds_alternative<scenarios::Scenario>(parsed));
  scenarios::RunConfig cfg;
  cfg.variant = model::Variant::sessionhandler;
  cfg.ini = {{"sid_length", "40"}, {"sid_bits_per_character", "6"}};
  OracleSetup setup;
  setup.harness_dir = source_dir() + "/oracle";
  setup.work_dir =
      (fs::temp_directory_path() / ("sessionspec-oracle-ids-" + std::to_string(::getpid())))
          .string();
  std::string error;
  auto r = compare_with_php(std::get<scenarios::Scenario>(parsed), cfg, setup, error);
  fs::remove_all(setup.work_dir);
  ASSERT_TRUE(r) << error;
  ASSERT_FALSE(r->difference) << *r->difference;
  const std::string id = first_created_id(r->model_raw);
  ASSERT_EQ(id.size(), 40u);
  auto shorter = r->model_raw;
  rename_id(shorter, id, id.substr(1));
  auto diff = trace_difference(shorter, r->php_raw);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find(":39:"), std::string::npos) << *diff;
  auto hex = r->model_raw;
  rename_id(hex, id, std::string(40, 'a'));
  diff = trace_difference(hex, r->php_raw);
  ASSERT_TRUE(diff);
  EXPECT_NE(diff->find(":40:hex>"), std::string::npos) << *diff;
}

// Issue #14, D7: the per-request PHP runner pasted its paths into an `sh -c` string between
// '...', so a work directory named x';touch FILE;'y ran `touch FILE`. Paths now reach PHP as
// arguments, never through a shell.
TEST(PhpRunner, D7_PathsNeverReachAShell) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  auto parsed = scenarios::load_scenario(source_dir() + "/scenarios/gist/1-open-write-close.scn");
  ASSERT_TRUE(std::holds_alternative<scenarios::Scenario>(parsed));
  const std::string marker = "ss-d7-marker-" + std::to_string(::getpid());
  const fs::path parent = fs::temp_directory_path() / ("ss-d7-" + std::to_string(::getpid()));
  fs::create_directories(parent);
  fs::remove(fs::current_path() / marker);
  OracleSetup setup;
  setup.harness_dir = source_dir() + "/oracle";
  setup.work_dir = (parent / ("it's x';touch " + marker + ";'y")).string();
  scenarios::RunConfig cfg;
  std::string error;
  auto result = compare_with_php(std::get<scenarios::Scenario>(parsed), cfg, setup, error);
  const bool injected = fs::exists(fs::current_path() / marker);
  fs::remove(fs::current_path() / marker);
  fs::remove_all(parent);
  EXPECT_FALSE(injected) << "a path in the work directory ran a shell command";
  ASSERT_TRUE(result) << error;
  EXPECT_FALSE(result->difference) << *result->difference;
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  // The path below scenarios/: php/failures/read-false.scn -> php_failures_read_false_full.
  const fs::path rel =
      fs::path(info.param.file).lexically_relative(fs::path(source_dir()) / "scenarios");
  std::string name = rel.parent_path().string() + "_" + rel.stem().string() + "_" +
                     std::string(model::variant_name(info.param.variant));
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Shipped, PhpOracle, ::testing::ValuesIn(shipped_cases()), case_name);

}  // namespace
}  // namespace ss::oracle
