// The reliability matrix: each case is written once and runs against every handler column
// (columns.hpp), so that adding a handler adds a column to every case. What each case
// guarantees, and the counts, are in docs/reliability.md.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/printable.hpp"
#include "tests/reliability/columns.hpp"
#include "tests/reliability/support.hpp"
#include "tests/support/run_task.hpp"

namespace ss::reliability {
namespace {

namespace fs = std::filesystem;
using handlers::ErrorCode;
using testing_support::run_task;
using namespace std::string_literals;

/// Every operation of the cases must end within this, whatever it answers.
constexpr auto op_bound = std::chrono::seconds(5);

/// Ids an attacker sends as a cookie: path tricks, control bytes, NUL, other charsets, lengths
/// around PHP's 256 and far beyond.
std::vector<std::string> hostile_ids() {
  return {"",
          ".",
          "..",
          "../escape-reliability",
          "/tmp/escape-reliability",
          "a/b",
          "sess_x/../../y",
          "a\nb",
          "a\r\nforged: line",
          "\x1b[31mred\x1b[0m",
          "nul\0x"s,
          "sp ace",
          "semi;colon",
          "%2e%2e%2f",
          "caf\xc3\xa9",
          "\xff\xfe",
          std::string(257, 'a'),
          std::string(100'000, 'b')};
}

/// Names and sizes of everything under `dir`: a case that must change nothing compares two.
std::map<std::string, std::uintmax_t> tree(const std::string& dir) {
  std::map<std::string, std::uintmax_t> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    out[it->path().string()] = it->is_regular_file(ec) ? it->file_size(ec) : 0;
  }
  return out;
}

bool printable_text(const std::string& text) {
  return base::printable(text) == text;
}

class Matrix : public ::testing::TestWithParam<Column> {
 protected:
  void SetUp() override {
    const Column& c = GetParam();
    if (c.skip_reason) {
      const std::string why = c.skip_reason();
      if (!why.empty()) GTEST_SKIP() << c.label << ": " << why;
    }
    ASSERT_TRUE(scratch_.ok());
    auto made = c.make(scratch_.path(), clock_);
    ASSERT_TRUE(made) << c.label << ": " << made.error().reason;
    backend_ = std::move(made.value());
  }
  void TearDown() override {
    backend_.reset();
    if (GetParam().cleanup) GetParam().cleanup();
  }
  std::unique_ptr<handlers::SessionHandler> request(handlers::Backend* b = nullptr) {
    return (b ? *b : *backend_).connect(handlers::RequestEnv{&clock_, &points_, ++next_});
  }
  /// Runs one handler operation; fails the test when it takes longer than op_bound.
  template <class T>
  handlers::Result<T> timed(handlers::Task<handlers::Result<T>> task, const std::string& what) {
    const auto start = std::chrono::steady_clock::now();
    auto r = run_task(std::move(task));
    EXPECT_LT(std::chrono::steady_clock::now() - start, op_bound) << what << " did not end";
    if (!r) {
      EXPECT_TRUE(printable_text(r.error().reason)) << what << ": " << r.error().reason;
    }
    return r;
  }
  void store(const std::string& id, const std::string& data) {
    auto h = request();
    (void)run_task(h->read(id));
    auto w = run_task(h->write(id, data));
    ASSERT_TRUE(w) << w.error().reason;
    ASSERT_TRUE(run_task(h->close()));
  }

  ScratchDir scratch_{"matrix"};
  handlers::ManualClock clock_{1'700'000'000};
  handlers::IoPoints points_;
  std::unique_ptr<handlers::Backend> backend_;
  std::uint64_t next_ = 0;
};

// Bounded time, printable reasons, nothing created inside or outside the store; the handlers
// that validate ids refuse every one with invalid_id before touching the store.
TEST_P(Matrix, HostileIdsAreRefusedAndChangeNothing) {
  store("bystander1", "b|i:1;");
  const auto before = tree(scratch_.path());
  for (const std::string& id : hostile_ids()) {
    const std::string shown = "id '" + base::printable(id.substr(0, 40)) + "'";
    auto h = request();
    auto read = timed(h->read(id), "read " + shown);
    auto write = timed(h->write(id, "x|i:1;"), "write " + shown);
    auto touch = timed(h->update_timestamp(id, "x|i:1;"), "update_timestamp " + shown);
    auto destroy = timed(h->destroy(id), "destroy " + shown);
    auto valid = timed(h->validate_id(id), "validate_id " + shown);
    (void)run_task(h->close());
    if (!GetParam().validates_ids) continue;
    for (const auto* r : {&write, &touch, &destroy}) {
      ASSERT_FALSE(*r) << shown << " accepted";
      EXPECT_EQ(r->error().code, ErrorCode::invalid_id) << shown << ": " << r->error().reason;
    }
    ASSERT_FALSE(read) << shown << " read";
    EXPECT_EQ(read.error().code, ErrorCode::invalid_id);
    EXPECT_TRUE(!valid || !valid.value()) << shown << " validated";
  }
  EXPECT_FALSE(fs::exists("/tmp/escape-reliability"));
  EXPECT_FALSE(fs::exists(fs::path(scratch_.path()).parent_path() / "escape-reliability"));
  if (GetParam().validates_ids) {
    EXPECT_EQ(tree(scratch_.path()), before) << "the store changed";
  }
  EXPECT_EQ(run_task(request()->read("bystander1")).value(), "b|i:1;");
}

// One byte over the declared limit is refused with `capacity`, and the stored session stays.
TEST_P(Matrix, OversizeWriteIsRefusedWithCapacity) {
  if (!GetParam().enforces_payload_max) {
    GTEST_SKIP() << "the external program decides what it stores (docs/reliability.md)";
  }
  store("big1", "b|i:1;");
  const std::size_t limit = backend_->guarantees().payload_bytes_max;
  ASSERT_LE(limit, handlers::payload_bytes_max_default);
  auto h = request();
  (void)run_task(h->read("big1"));
  auto w = timed(h->write("big1", std::string(limit + 1, 'x')), "oversize write");
  ASSERT_FALSE(w) << "stored " << limit + 1 << " bytes";
  EXPECT_EQ(w.error().code, ErrorCode::capacity) << w.error().reason;
  EXPECT_NE(w.error().reason.find(std::to_string(limit + 1)), std::string::npos)
      << w.error().reason;
  (void)run_task(h->close());
  EXPECT_EQ(run_task(request()->read("big1")).value(), "b|i:1;");
}

// A stored session larger than the limit is refused by its size (never loaded whole): at
// read, or, for the table, when the segment is rebuilt from the files.
TEST_P(Matrix, OversizeStoredSessionIsRefusedByItsSize) {
  const Column& c = GetParam();
  if (!c.plant || !c.reopen) GTEST_SKIP() << c.label << " keeps no store of its own to plant";
  const std::size_t limit = backend_->guarantees().payload_bytes_max;
  ASSERT_EQ(c.plant("planted1", std::string(limit + 1, 'p')), "");
  auto reopened = c.reopen(clock_);
  if (!reopened) {
    EXPECT_EQ(reopened.error().code, ErrorCode::capacity) << reopened.error().reason;
    return;
  }
  auto r = timed(request(reopened.value().get())->read("planted1"), "read of a huge session");
  ASSERT_FALSE(r) << "read " << limit + 1 << " bytes";
  EXPECT_EQ(r.error().code, ErrorCode::capacity) << r.error().reason;
}

// Handlers store bytes, not PHP values: whatever another program stored (NUL, invalid UTF-8,
// CR/LF, ESC, text that does not decode) reads back byte for byte.
TEST_P(Matrix, ForeignBytesReadBackVerbatim) {
  const Column& c = GetParam();
  const std::string odd = "\0\xff\r\n\x1b[2J|not a session;"s + std::string(300, '\x80');
  if (c.plant && c.reopen) {
    ASSERT_EQ(c.plant("foreign1", odd), "");
    auto reopened = c.reopen(clock_);
    ASSERT_TRUE(reopened) << reopened.error().reason;
    auto r = timed(request(reopened.value().get())->read("foreign1"), "read");
    ASSERT_TRUE(r) << r.error().reason;
    EXPECT_EQ(r.value(), odd);
    return;
  }
  store("foreign1", odd);
  EXPECT_EQ(run_task(request()->read("foreign1")).value(), odd);
}

INSTANTIATE_TEST_SUITE_P(Handlers, Matrix, ::testing::ValuesIn(all_columns()), column_name);

// kill -9 of writers: every session reads back whole, old or new, through a fresh backend.
class KilledWriters : public ::testing::TestWithParam<Column> {};

TEST_P(KilledWriters, LeaveEveryStoredSessionWhole) {
  const Column& c = GetParam();
  ScratchDir scratch("killed");
  handlers::ManualClock clock(1'700'000'000);
  handlers::IoPoints points;
  auto made = c.make(scratch.path(), clock);
  ASSERT_TRUE(made) << made.error().reason;
  const std::vector<std::string> ids = {"killed1", "killed2"};
  for (const auto& id : ids) {
    auto w =
        run_task(made.value()->connect({&clock, &points, 1})->write(id, session_payload(0, 100)));
    ASSERT_TRUE(w) << w.error().reason;
  }
  constexpr int rounds = 12;
  for (int round = 0; round < rounds; ++round) {
    run_and_kill(3, 9100 + static_cast<std::uint64_t>(round), 8, [&](int child) {
      handlers::RealClock real;
      handlers::IoPoints wait;
      auto mine = (c.attach ? c.attach : c.reopen)(real);
      if (!mine) ::_exit(3);
      const std::string& id = ids[static_cast<std::size_t>(child) % ids.size()];
      for (std::uint64_t i = 1;; ++i) {
        auto h = mine.value()->connect({&real, &wait, i});
        (void)run_task(h->read(id));
        (void)run_task(h->write(id, session_payload(i, 1000 + (i * 4093) % 12000)));
        (void)run_task(h->close());
      }
    });
  }
  // As the next process finds the store (the table: the live segment, its rows repaired when
  // a writer died holding them), then after a restart (the table: rebuilt from its files).
  for (const bool restart : {false, true}) {
    auto after = (restart || !c.attach ? c.reopen : c.attach)(clock);
    ASSERT_TRUE(after) << after.error().reason;
    for (const auto& id : ids) {
      auto r = run_task(after.value()->connect({&clock, &points, 2})->read(id));
      ASSERT_TRUE(r) << id << ": " << r.error().reason;
      EXPECT_EQ(payload_problem(r.value()), "")
          << id << " (" << r.value().size() << " bytes" << (restart ? ", after a restart)" : ")");
    }
  }
  made.value().reset();
  if (c.cleanup) c.cleanup();
}

INSTANTIATE_TEST_SUITE_P(Handlers, KilledWriters, ::testing::ValuesIn(multi_process_columns()),
                         column_name);

}  // namespace
}  // namespace ss::reliability
