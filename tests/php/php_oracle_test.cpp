// The php-8.2 model against real PHP 8.2: every shipped scenario, run in php8.2-cli with a tracing
// user handler (full and basic variants), must give the same handler calls, arguments, answers and
// script-visible results as the model (ids normalised).

#include "oracle/php_oracle.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/source_dir.hpp"

namespace ss::oracle {
namespace {

namespace fs = std::filesystem;

using ss::test::source_dir;

bool php_available() { return std::system("php -n -r 'exit(0);' >/dev/null 2>&1") == 0; }

struct Case {
  std::string file;
  model::Variant variant;
};

std::vector<Case> shipped_cases() {
  std::vector<Case> out;
  for (const char* dir : {"scenarios/gist", "scenarios/lesson", "scenarios/php"}) {
    const fs::path p = fs::path(source_dir()) / dir;
    if (!fs::exists(p)) continue;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(p)) {
      if (e.path().extension() == ".scn") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      for (auto v : {model::Variant::full, model::Variant::basic, model::Variant::sessionhandler}) {
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
  setup.work_dir = (fs::temp_directory_path() / ("sessionspec-oracle-" + std::to_string(::getpid())))
                       .string();
  std::string error;
  auto result = compare_with_php(sc, cfg, setup, error);
  ASSERT_TRUE(result) << error;
  EXPECT_FALSE(result->difference) << c.file << " (" << model::variant_name(c.variant) << "): "
                                   << *result->difference;
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
  setup.work_dir = (fs::temp_directory_path() / ("sessionspec-oracle-ctl-" +
                                                 std::to_string(::getpid()))).string();
  std::string error;
  auto result = compare_with_php(std::get<scenarios::Scenario>(parsed), cfg, setup, error);
  ASSERT_TRUE(result) << error;
  ASSERT_TRUE(result->difference);
  EXPECT_NE(result->difference->find("\"name\":\"create_sid\""), std::string::npos)
      << *result->difference;
  fs::remove_all(setup.work_dir);
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
  std::string name = fs::path(info.param.file).parent_path().filename().string() + "_" +
                     fs::path(info.param.file).stem().string() + "_" +
                     std::string(model::variant_name(info.param.variant));
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Shipped, PhpOracle, ::testing::ValuesIn(shipped_cases()), case_name);

}  // namespace
}  // namespace ss::oracle
