// The files handler against real PHP's files handler, in both directions, plus the on-disk rules:
// mode 0600, no symlinks followed, malformed ids rejected before any path is built.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "handlers/files_handler.hpp"
#include "tests/support/run_task.hpp"

namespace ss::handlers {
namespace {

namespace fs = std::filesystem;
using testing_support::run_task;

bool php_available() {
  return std::system("php -n -r 'exit(0);' >/dev/null 2>&1") == 0;
}

/// Runs a PHP snippet with the files handler on `dir`; returns what it wrote to stderr.
std::string run_php(const std::string& dir, const std::string& code) {
  const std::string script = dir + "/../snippet.php";
  std::ofstream(script) << "<?php\n" << code;
  const std::string cmd = "php -n -d session.save_path='" + dir + "' -d session.use_cookies=0 '" +
                          script + "' 2>&1 >/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (p != nullptr) ::pclose(p);
  return out;
}

class FilesInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("ss-files-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "sessions");
    dir_ = (root_ / "sessions").string();
    auto made = FilesBackend::create(dir_, 1, clock_);
    ASSERT_TRUE(made) << made.error().reason;
    backend_ = std::move(made.value());
    handler_ = backend_->connect(RequestEnv{&clock_, &points_, 1});
  }
  void TearDown() override {
    handler_.reset();
    fs::remove_all(root_);
  }
  RealClock clock_;
  IoPoints points_;
  fs::path root_;
  std::string dir_;
  std::unique_ptr<FilesBackend> backend_;
  std::unique_ptr<SessionHandler> handler_;
};

TEST_F(FilesInterop, PhpReadsWhatTheHandlerWrote) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const std::string data = "foo|s:3:\"bar\";n|i:7;";
  ASSERT_TRUE(run_task(handler_->read("abcDEF123-,x")));
  ASSERT_TRUE(run_task(handler_->write("abcDEF123-,x", data)));
  ASSERT_TRUE(run_task(handler_->close()));
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/sess_abcDEF123-,x").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string out = run_php(dir_,
                                  "session_id('abcDEF123-,x'); session_start();"
                                  "fwrite(STDERR, serialize($_SESSION)); session_abort();");
  EXPECT_EQ(out, "a:2:{s:3:\"foo\";s:3:\"bar\";s:1:\"n\";i:7;}");
}

TEST_F(FilesInterop, HandlerReadsWhatPhpWrote) {
  if (!php_available()) GTEST_SKIP() << "php (php8.2-cli) is not installed";
  const std::string out =
      run_php(dir_,
              "session_id('fromphp42'); session_start(); $_SESSION['k'] = \"v\\0w\";"
              "$_SESSION['f'] = 0.1; session_write_close();");
  EXPECT_EQ(out, "");
  auto read = run_task(handler_->read("fromphp42"));
  ASSERT_TRUE(read) << read.error().reason;
  EXPECT_EQ(read.value(), std::string("k|s:3:\"v\0w\";f|d:0.1;", 20));
  EXPECT_TRUE(run_task(handler_->validate_id("fromphp42")).value());
}

TEST_F(FilesInterop, ReadingAnUnknownIdCreatesNothing) {
  auto read = run_task(handler_->read("neverwritten"));
  ASSERT_TRUE(read);
  EXPECT_EQ(read.value(), "");
  ASSERT_TRUE(run_task(handler_->close()));
  EXPECT_FALSE(fs::exists(dir_ + "/sess_neverwritten"));
}

TEST_F(FilesInterop, MalformedIdsAreRejectedAndNothingIsCreated) {
  for (const std::string& id : std::vector<std::string>{
           "../escape", "a/b", "", "has space", std::string("nul\0x", 5), std::string(257, 'a')}) {
    auto read = run_task(handler_->read(id));
    ASSERT_FALSE(read) << "accepted id '" << id << "'";
    EXPECT_EQ(read.error().code, ErrorCode::invalid_id);
    EXPECT_FALSE(run_task(handler_->write(id, "x|i:1;")));
  }
  EXPECT_TRUE(fs::is_empty(dir_));
  EXPECT_FALSE(fs::exists(root_ / "escape"));
}

TEST_F(FilesInterop, SymlinksAreNotFollowed) {
  const fs::path target = root_ / "target";
  std::ofstream(target) << "secret";
  fs::create_symlink(target, dir_ + "/sess_evil");
  EXPECT_FALSE(run_task(handler_->read("evil")));
  EXPECT_FALSE(run_task(handler_->write("evil", "x|i:1;")));
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "secret");
}

TEST_F(FilesInterop, UnusableSavePathIsRefused) {
  RealClock clock;
  EXPECT_FALSE(FilesBackend::create((root_ / "missing").string(), 1, clock));
  std::ofstream(root_ / "plainfile") << "x";
  EXPECT_FALSE(FilesBackend::create((root_ / "plainfile").string(), 1, clock));
}

}  // namespace
}  // namespace ss::handlers
