// The handler registry: typed specs parsed and checked once (decorators, each kind's
// parameters), isolated instances that are undone when they go (or kept on request), and each
// kind's modes. Real backends throughout (memory, files, table, SQLite where built).

#include "handlers/registry.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

namespace ss::handlers {
namespace {

namespace fs = std::filesystem;

bool built(const std::string& scheme) {
  const auto all = available_schemes();
  return std::find(all.begin(), all.end(), scheme) != all.end();
}

/// A fresh directory for one test, removed when it goes.
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("ss-registry-" + std::to_string(::getpid()));
  ScratchDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() { fs::remove_all(path); }
  [[nodiscard]] std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
  }
};

/// A decorator of this test: wraps nothing, checks that its name is "ok".
void register_test_decorator() {
  DecoratorKind kind;
  kind.kind = "wrapped";
  kind.check = [](const std::string& name) -> Status {
    if (name == "ok") return ok_status();
    return fail(ErrorCode::unsupported, "unknown wrapped '" + name + "'");
  };
  kind.wrap = [](const std::string&, std::unique_ptr<Backend> base) {
    return Result<std::unique_ptr<Backend>>(std::move(base));
  };
  register_decorator(std::move(kind));
}

TEST(Registry, ParsesDecoratorsAndTheBaseOnce) {
  register_test_decorator();
  auto spec = parse_handler_spec("wrapped:ok+wrapped:ok+files:/tmp");
  ASSERT_TRUE(spec) << spec.error().reason;
  EXPECT_EQ(spec.value().decorators.size(), 2u);
  EXPECT_EQ(spec.value().scheme(), "files");
  EXPECT_EQ(spec.value().base.target, "/tmp");
  EXPECT_EQ(spec.value().text, "wrapped:ok+wrapped:ok+files:/tmp");
  auto unknown = parse_handler_spec("wrapped:nope+memory");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().reason.find("unknown wrapped 'nope'"), std::string::npos);
  auto malformed = parse_handler_spec("wrapped:ok");
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.error().reason.find("want wrapped:NAME+BASE"), std::string::npos);
}

TEST(Registry, MutantsNeedTheTestingHandlers) {
  // This test program does not link handlers/testing: a mutant URI says so in one line.
  auto spec = parse_handler_spec("mutant:destroy-noop+memory");
  ASSERT_FALSE(spec);
  EXPECT_NE(spec.error().reason.find("mutant handlers are not available"), std::string::npos)
      << spec.error().reason;
}

TEST(Registry, UnknownSchemesAndPhpModulesAreRefusedWhenParsed) {
  EXPECT_FALSE(parse_handler_spec("nosuch:x"));
  auto php = parse_handler_spec("php:files");
  ASSERT_FALSE(php);
  EXPECT_NE(php.error().reason.find("run inside real PHP"), std::string::npos);
}

// Issue #14, D18: `files:` ignored every parameter, so a typo such as ?fresh=1 passed silently.
TEST(Registry, D18_UnknownFilesParameterRefused) {
  auto spec = parse_handler_spec("files:/tmp?fresh=1");
  ASSERT_FALSE(spec) << "files: accepted a parameter it does not have";
  EXPECT_EQ(spec.error().code, ErrorCode::unsupported);
  EXPECT_NE(spec.error().reason.find("unknown parameter 'fresh'"), std::string::npos)
      << spec.error().reason;
}

// Issue #14, D18: the docs refuse `sqlite::memory:`, but isolating it for a verb made a file
// named ':memory:' in a fresh directory, and the run went ahead.
TEST(Registry, D18_SqliteMemoryRefusedAsTheDocsSay) {
  if (!built("sqlite")) GTEST_SKIP() << "this build has no SQLite handler";
  auto spec = parse_handler_spec("sqlite::memory:");
  ASSERT_FALSE(spec) << "sqlite::memory: was accepted";
  EXPECT_NE(spec.error().reason.find(":memory:"), std::string::npos) << spec.error().reason;
}

TEST(Registry, AnIsolatedFilesStoreIsRemovedUnlessKept) {
  ScratchDir scratch;
  auto spec = parse_handler_spec("files:" + scratch.path.string());
  ASSERT_TRUE(spec) << spec.error().reason;
  ManualClock clock(0);
  std::string dir;
  {
    auto made = make_isolated(spec.value(), 1, clock);
    ASSERT_TRUE(made) << made.error().reason;
    dir = made.value()->data_dir();
    EXPECT_EQ(fs::path(dir).parent_path(), scratch.path);
    EXPECT_TRUE(fs::is_directory(dir));
    EXPECT_EQ(made.value()->uri(), "files:" + dir);
  }
  EXPECT_FALSE(fs::exists(dir)) << "the isolated store outlived its backend";
  {
    auto made = make_isolated(spec.value(), 1, clock, IsolationOptions{"scn-kept"});
    ASSERT_TRUE(made);
    dir = made.value()->keep();
  }
  EXPECT_TRUE(fs::is_directory(dir)) << "keep() did not keep the store";
  EXPECT_EQ(fs::path(dir).filename().string().rfind("scn-kept-", 0), 0u) << dir;
}

TEST(Registry, AFailedIsolatedBackendLeavesNothingBehind) {
  ScratchDir scratch;
  auto spec = parse_handler_spec("files:" + (scratch.path / "missing").string());
  ASSERT_TRUE(spec);
  ManualClock clock(0);
  auto made = make_isolated(spec.value(), 1, clock);
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().reason.find("missing"), std::string::npos) << made.error().reason;
  EXPECT_EQ(scratch.entries(), 0u);
}

// Issue #14, D13: the verbs rewrote table URIs when they isolated them: rows=512 was forced and
// the user's dir= replaced by a temporary directory.
TEST(Registry, D13_IsolatedTableKeepsTheUsersParameters) {
  if (!built("table")) GTEST_SKIP() << "this build has no table handler";
  ScratchDir scratch;
  const std::string dir = (scratch.path / "t").string();
  ManualClock clock(0);
  auto given = parse_handler_spec("table:d13?rows=8&row_bytes=2048&dir=" + dir);
  ASSERT_TRUE(given) << given.error().reason;
  {
    auto made = make_isolated(given.value(), 1, clock);
    ASSERT_TRUE(made) << made.error().reason;
    const std::string uri = made.value()->uri();
    EXPECT_NE(uri.find("rows=8&row_bytes=2048"), std::string::npos) << uri;
    EXPECT_NE(uri.find("dir=" + dir + "/case-"), std::string::npos) << uri;
    EXPECT_EQ(fs::path(made.value()->data_dir()).parent_path(), fs::path(dir));
    EXPECT_EQ(made.value()->guarantees().store.sessions_max, 8u);
  }
  EXPECT_TRUE(fs::is_empty(dir)) << "the isolated table left files in dir=";
  auto plain = parse_handler_spec("table:d13");
  ASSERT_TRUE(plain);
  auto made = make_isolated(plain.value(), 1, clock);
  ASSERT_TRUE(made) << made.error().reason;
  EXPECT_NE(made.value()->uri().find("rows=4096&"), std::string::npos)
      << "the default capacity was rewritten: " << made.value()->uri();
}

TEST(Registry, ModesComeFromTheKind) {
  auto memory = parse_handler_spec("memory");
  ASSERT_TRUE(memory);
  ASSERT_EQ(modes_of(memory.value()).size(), 1u);
  if (built("redis")) {
    auto redis = parse_handler_spec("redis://127.0.0.1:6379");
    ASSERT_TRUE(redis);
    std::vector<std::string> texts;
    for (const auto& m : modes_of(redis.value())) texts.push_back(m.text);
    EXPECT_EQ(texts, (std::vector<std::string>{"redis://127.0.0.1:6379?mode=none",
                                               "redis://127.0.0.1:6379?mode=optimistic",
                                               "redis://127.0.0.1:6379?mode=lock"}));
    auto chosen = parse_handler_spec("redis://127.0.0.1:6379?mode=lock");
    ASSERT_TRUE(chosen);
    EXPECT_EQ(modes_of(chosen.value()).size(), 1u) << "a chosen mode is not multiplied";
  }
  if (built("sqlite")) {
    auto sqlite = parse_handler_spec("sqlite:/tmp/s.db");
    ASSERT_TRUE(sqlite);
    std::vector<std::string> texts;
    for (const auto& m : modes_of(sqlite.value())) texts.push_back(m.text);
    EXPECT_EQ(texts, (std::vector<std::string>{"sqlite:/tmp/s.db",
                                               "sqlite:/tmp/s.db?lock=transactional"}));
  }
}

TEST(Registry, FactoriesMakeSeparateStores) {
  ScratchDir scratch;
  const BackendFactory factory = isolated_factory("files:" + scratch.path.string());
  ManualClock clock(0);
  auto a = factory(clock, 1);
  auto b = factory(clock, 1);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a.value()->uri(), b.value()->uri());
  EXPECT_EQ(scratch.entries(), 2u);
  auto broken = isolated_factory("files:/tmp?nope=1")(clock, 1);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().reason.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace ss::handlers
