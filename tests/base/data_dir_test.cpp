// base::data_path: the data directory next to the binary (the build tree's mirror of the
// installed layout, which these tests run in), and the SESSIONSPEC_DATA_DIR override.

#include "base/data_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;

namespace {

/// Sets SESSIONSPEC_DATA_DIR for one test and restores the previous state afterwards.
class DataDirEnv {
 public:
  explicit DataDirEnv(const std::string& value) {
    if (const char* old = ::getenv(ss::base::data_dir_env)) old_ = old;
    ::setenv(ss::base::data_dir_env, value.c_str(), 1);
  }
  ~DataDirEnv() {
    if (old_.empty()) {
      ::unsetenv(ss::base::data_dir_env);
    } else {
      ::setenv(ss::base::data_dir_env, old_.c_str(), 1);
    }
  }
  DataDirEnv(const DataDirEnv&) = delete;
  DataDirEnv& operator=(const DataDirEnv&) = delete;

 private:
  std::string old_;
};

/// A fresh directory under the system temp dir, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "ss-data-dir-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST(DataDir, NextToTheBinaryInTheBuildTree) {
  ::unsetenv(ss::base::data_dir_env);
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  const fs::path want = (exe.parent_path() / ".." / "share" / "sessionspec").lexically_normal();
  EXPECT_EQ(ss::base::data_dir(), want.string());
  // The build links the source folders there, so the shipped data is found without any
  // compiled-in source path.
  for (const char* file : {"scenarios/gist/1-open-write-close.scn", "oracle/harness.php",
                           "adapters/php/serve.php", "reports/sessionspec_report.py"}) {
    const ss::base::DataPath found = ss::base::data_path(file);
    ASSERT_TRUE(found) << found.error;
    EXPECT_EQ(found.path, (want / file).string());
    EXPECT_TRUE(found.error.empty());
  }
}

TEST(DataDir, EnvironmentOverridesTheBinarysLocation) {
  ScratchDir scratch;
  ASSERT_FALSE(scratch.path().empty());
  fs::create_directories(fs::path(scratch.path()) / "oracle");
  std::ofstream(fs::path(scratch.path()) / "oracle" / "harness.php") << "<?php\n";
  DataDirEnv env(scratch.path());
  EXPECT_EQ(ss::base::data_dir(), scratch.path());
  const ss::base::DataPath found = ss::base::data_path("oracle/harness.php");
  ASSERT_TRUE(found) << found.error;
  EXPECT_EQ(found.path, scratch.path() + "/oracle/harness.php");
  // The override is not a fallback: what it lacks is missing, even if the build tree has it.
  const ss::base::DataPath missing = ss::base::data_path("scenarios");
  EXPECT_FALSE(missing);
  EXPECT_TRUE(missing.path.empty());
  EXPECT_EQ(missing.error, "data file 'scenarios' not found in " + scratch.path() +
                               " (from SESSIONSPEC_DATA_DIR)");
}

TEST(DataDir, RelativeOverrideGivesAnAbsolutePath) {
  ScratchDir scratch;
  ASSERT_FALSE(scratch.path().empty());
  fs::create_directories(fs::path(scratch.path()) / "data" / "scenarios");
  const fs::path cwd = fs::current_path();
  fs::current_path(scratch.path());
  DataDirEnv env("data");
  const ss::base::DataPath found = ss::base::data_path("scenarios");
  fs::current_path(cwd);
  ASSERT_TRUE(found) << found.error;
  EXPECT_EQ(found.path, scratch.path() + "/data/scenarios");
}

TEST(DataDir, MissingDataDirectoryIsOneLineNamingTheFix) {
  ScratchDir scratch;
  DataDirEnv env(scratch.path() + "/nowhere");
  const ss::base::DataPath missing = ss::base::data_path("reports/sessionspec_report.py");
  EXPECT_FALSE(missing);
  EXPECT_EQ(missing.error.find('\n'), std::string::npos);
  EXPECT_NE(missing.error.find("reports/sessionspec_report.py"), std::string::npos);
  EXPECT_NE(missing.error.find(scratch.path() + "/nowhere"), std::string::npos);
}
