// The conformance tests themselves; suite.hpp says how to instantiate them. Each test states the
// property it checks (P-nn of the peer-property catalogue) and what a broken handler does.

#include "conformance/suite.hpp"

#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <string_view>

#include "handlers/run_task.hpp"
#include "model/calls.hpp"
#include "model/engine.hpp"
#include "model/rng.hpp"
#include "model/store_model.hpp"

namespace ss::conformance {

using handlers::ErrorCode;
using handlers::run_task;
using handlers::SessionHandler;
using model::Answer;
using model::HandlerCall;
using model::Method;

void PrintTo(const BackendCase& c, std::ostream* os) {
  *os << c.label;
}

std::string case_name(const ::testing::TestParamInfo<BackendCase>& info) {
  return info.param.label;
}

void Conformance::SetUp() {
  const BackendCase& c = GetParam();
  if (c.skip_reason) {
    const std::string why = c.skip_reason();
    if (!why.empty()) GTEST_SKIP() << c.label << ": " << why;
  }
  auto made = c.make(clock_, seed);
  ASSERT_TRUE(made.ok()) << c.label << ": cannot make the backend: " << made.error().reason;
  backend_ = std::move(made.value());
  guarantees_ = backend_->guarantees();
}

void Conformance::TearDown() {
  backend_.reset();
  if (GetParam().cleanup) GetParam().cleanup();
}

namespace {

template <class T>
std::string describe(const handlers::Result<T>& r) {
  if (r.ok()) return "ok";
  return std::string(handlers::error_code_name(r.error().code)) + ": " + r.error().reason;
}

/// Printable form of an id that may hold NUL or be very long.
std::string printable(std::string_view id) {
  std::string out;
  for (char c : id.substr(0, 40)) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
    out += (c >= 0x20 && c < 0x7f) ? std::string(1, c) : std::string(hex);
  }
  return "'" + out + (id.size() > 40 ? "...'" : "'");
}

void end_request(SessionHandler& h) {
  auto closed = run_task(h.close());
  EXPECT_TRUE(closed.ok()) << "close(): " << describe(closed);
}

Answer status_answer(const handlers::Status& s) {
  return s ? Answer::boolean_(true) : Answer::failure_(s.error().reason);
}

template <class T>
Answer value_answer(const handlers::Result<T>& r) {
  if (!r) return Answer::failure_(r.error().reason);
  if constexpr (std::is_same_v<T, std::string>) {
    return Answer::string_(r.value());
  } else if constexpr (std::is_same_v<T, bool>) {
    return Answer::boolean_(r.value());
  } else {
    return Answer::integer_(r.value());
  }
}

/// One handler call, answered as PHP sees it (what model::StoreModel judges).
handlers::Task<Answer> perform(SessionHandler& h, const HandlerCall& c) {
  auto arg = [&c](std::size_t i) { return i < c.args.size() ? c.args[i] : std::string(); };
  switch (c.method) {
    case Method::open: co_return status_answer(co_await h.open(arg(0), arg(1)));
    case Method::close: co_return status_answer(co_await h.close());
    case Method::read: co_return value_answer(co_await h.read(arg(0)));
    case Method::write: co_return status_answer(co_await h.write(arg(0), arg(1)));
    case Method::destroy: co_return status_answer(co_await h.destroy(arg(0)));
    case Method::gc: co_return value_answer(co_await h.gc(std::stoll(arg(0))));
    case Method::create_sid: co_return value_answer(co_await h.create_sid());
    case Method::validate_id: co_return value_answer(co_await h.validate_id(arg(0)));
    case Method::update_timestamp:
      co_return status_answer(co_await h.update_timestamp(arg(0), arg(1)));
  }
  co_return Answer::failure_("unknown method");
}

/// Performs handler calls and has model::StoreModel judge every answer, so that each test is
/// checked against the reference store as well as against its own explicit expectations.
class Checked {
 public:
  Checked(const handlers::Guarantees& g, const handlers::Clock& clock)
      : model_(g.store), clock_(clock) {}

  Answer call(SessionHandler& h, Method m, std::vector<std::string> args = {}) {
    HandlerCall c{m, std::move(args)};
    Answer a = run_task(perform(h, c));
    const model::Judgement j = model_.observe(c, a, clock_.now_s());
    EXPECT_TRUE(j.ok) << model::show(c) << " answered " << model::show(a)
                      << "; a correct store answers " << j.expected;
    return a;
  }
  std::string read(SessionHandler& h, const std::string& id) {
    Answer a = call(h, Method::read, {id});
    return a.kind == Answer::Kind::string ? a.s : "<" + model::show(a) + ">";
  }
  bool write(SessionHandler& h, const std::string& id, const std::string& data) {
    return call(h, Method::write, {id, data}).ok();
  }
  bool destroy(SessionHandler& h, const std::string& id) {
    return call(h, Method::destroy, {id}).ok();
  }
  bool touch(SessionHandler& h, const std::string& id, const std::string& data) {
    return call(h, Method::update_timestamp, {id, data}).ok();
  }
  bool validate(SessionHandler& h, const std::string& id) {
    Answer a = call(h, Method::validate_id, {id});
    return a.kind == Answer::Kind::boolean && a.b;
  }
  std::int64_t gc(SessionHandler& h, std::int64_t max_s) {
    Answer a = call(h, Method::gc, {std::to_string(max_s)});
    return a.kind == Answer::Kind::integer ? a.n : -1;
  }
  std::string create_sid(SessionHandler& h) {
    Answer a = call(h, Method::create_sid);
    return a.kind == Answer::Kind::string ? a.s : std::string();
  }

 private:
  model::StoreModel model_;
  const handlers::Clock& clock_;
};

/// Ids PHP's files handler rejects: traversal, separators, empty, over-long, space, NUL.
const std::vector<std::string>& malformed_ids() {
  static const std::vector<std::string> ids = {
      "../x", "a/b", "", std::string(300, 'a'), "a b", std::string("a\0b", 3)};
  return ids;
}

/// `n` bytes cycling through all 256 values (NUL included).
std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + 7) & 0xff);
  return s;
}

}  // namespace

std::unique_ptr<SessionHandler> Conformance::request() {
  auto h = backend_->connect(handlers::RequestEnv{&clock_, &points_, next_request_++});
  auto opened = run_task(h->open("", "PHPSESSID"));
  EXPECT_TRUE(opened.ok()) << "open(): " << describe(opened);
  return h;
}

std::int64_t Conformance::lifetime_s() const {
  return guarantees_.store.expiry == model::Expiry::gc_only ? 1440 : guarantees_.store.ttl_s;
}

std::vector<std::string> Conformance::dir_entries() const {
  std::vector<std::string> names;
  const BackendCase& c = GetParam();
  const std::string dir = c.data_dir ? c.data_dir() : std::string();
  if (dir.empty()) return names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    ADD_FAILURE() << "cannot list the backend's directory " << dir;
    return names;
  }
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// P-02: what was written reads back in a later request.
TEST_P(Conformance, RoundTrip) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "rt-1,A", "name|s:3:\"bob\";"));
  end_request(*a);
  auto b = request();
  EXPECT_EQ(chk.read(*b, "rt-1,A"), "name|s:3:\"bob\";");
}

// P-03: a shorter second write replaces the first entirely (no stale tail, one record per id).
TEST_P(Conformance, OverwriteReplaces) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "over1", "first|s:20:\"a much longer value!\";"));
  ASSERT_TRUE(chk.write(*a, "over1", "second|i:2;"));
  end_request(*a);
  auto b = request();
  EXPECT_EQ(chk.read(*b, "over1"), "second|i:2;");
  end_request(*b);
  clock_.advance(lifetime_s() + 1);
  auto c = request();
  const std::int64_t removed = chk.gc(*c, lifetime_s());
  if (guarantees_.store.expiry != model::Expiry::ttl) {
    EXPECT_EQ(removed, 1) << "two writes to one id must leave one record";
  }
}

// P-02, P-17: an empty payload is a payload: it replaces the data, and the session still
// exists (deciding that empty means destroy is the engine's job, not the handler's).
TEST_P(Conformance, EmptyPayloadReplacesData) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "empty1", "x|i:1;"));
  ASSERT_TRUE(chk.write(*a, "empty1", ""));
  end_request(*a);
  auto b = request();
  EXPECT_EQ(chk.read(*b, "empty1"), "") << "an empty write was skipped";
  EXPECT_TRUE(chk.validate(*b, "empty1"));
}

// P-04: payloads are bytes, not C strings: NULs and every byte value survive.
TEST_P(Conformance, BinarySafe) {
  const std::string data = std::string("\0lead", 5) + pattern(512) + std::string("tail\0", 5);
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "binary1", data));
  end_request(*a);
  auto b = request();
  const std::string got = chk.read(*b, "binary1");
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data) << "bytes changed on the way through the store";
}

// P-06: lookup is exact: case matters, and surrounding whitespace is a malformed id rather
// than being trimmed onto another session.
TEST_P(Conformance, ExactIdLookup) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "AbCdEf0123", "x|i:1;"));
  end_request(*a);
  auto b = request();
  EXPECT_EQ(chk.read(*b, "abcdef0123"), "") << "ids are case-sensitive";
  EXPECT_FALSE(chk.validate(*b, "ABCDEF0123"));
  EXPECT_EQ(chk.read(*b, "AbCdEf0123"), "x|i:1;");
  // A handler that keeps any id (Guarantees::store.ids) keeps these too, under their own name.
  if (guarantees_.store.ids != model::IdPolicy::files_charset) return;
  for (const std::string bad : {"AbCdEf0123 ", " AbCdEf0123", "AbCdEf0123\n"}) {
    auto r = run_task(b->read(bad));
    ASSERT_FALSE(r.ok()) << "read(" << printable(bad) << ") must be refused, got data";
    EXPECT_EQ(r.error().code, ErrorCode::invalid_id) << describe(r);
  }
}

// P-01, P-26: an unknown id reads as empty and leaves nothing behind (no record, no file), so
// that probing random ids cannot fill the store.
TEST_P(Conformance, UnknownIdReadsEmptyAndCreatesNothing) {
  Checked chk(guarantees_, clock_);
  const auto before = dir_entries();
  auto a = request();
  EXPECT_EQ(chk.read(*a, "neverWritten1"), "");
  end_request(*a);
  auto b = request();
  EXPECT_FALSE(chk.validate(*b, "neverWritten1")) << "a read must not create the session";
  EXPECT_EQ(chk.read(*b, "neverWritten1"), "");
  end_request(*b);
  EXPECT_EQ(dir_entries(), before) << "reading an unknown id left a file behind";
  clock_.advance(10);
  auto c = request();
  EXPECT_EQ(chk.gc(*c, 0), 0) << "gc found a record that only a read created";
}

// P-08 (symfony#18574): destroying a session that was never written succeeds.
TEST_P(Conformance, DestroyOfUnknownIdSucceeds) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  EXPECT_TRUE(chk.destroy(*a, "neverWritten2"));
  EXPECT_FALSE(chk.validate(*a, "neverWritten2"));
}

// P-07: destroy removes the session for this request and every later one, file included.
TEST_P(Conformance, DestroyRemoves) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "doomed1", "x|i:1;"));
  end_request(*a);
  auto b = request();
  EXPECT_EQ(chk.read(*b, "doomed1"), "x|i:1;");
  EXPECT_TRUE(chk.destroy(*b, "doomed1"));
  EXPECT_EQ(chk.read(*b, "doomed1"), "");
  end_request(*b);
  auto c = request();
  EXPECT_EQ(chk.read(*c, "doomed1"), "");
  EXPECT_FALSE(chk.validate(*c, "doomed1"));
  end_request(*c);
  EXPECT_EQ(dir_entries(), std::vector<std::string>()) << "destroy left a file behind";
}

// P-11, P-30: session_regenerate_id(false): the data is written under a fresh id it was never
// read from, and the old session stays.
TEST_P(Conformance, RegenerateKeepsDataUnderNewId) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  EXPECT_EQ(chk.read(*a, "regenOld1"), "");
  ASSERT_TRUE(chk.write(*a, "regenOld1", "user|i:7;"));
  end_request(*a);
  auto b = request();
  ASSERT_EQ(chk.read(*b, "regenOld1"), "user|i:7;");
  const std::string fresh = chk.create_sid(*b);
  ASSERT_FALSE(fresh.empty());
  ASSERT_NE(fresh, "regenOld1");
  EXPECT_TRUE(chk.write(*b, fresh, "user|i:7;"));
  end_request(*b);
  auto c = request();
  EXPECT_EQ(chk.read(*c, fresh), "user|i:7;") << "data written under the new id was lost";
  EXPECT_EQ(chk.read(*c, "regenOld1"), "user|i:7;");
}

// P-31: session_regenerate_id(true): the old id is destroyed and reads empty afterwards.
TEST_P(Conformance, RegenerateWithDestroyDropsOldId) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "regenOld2", "user|i:8;"));
  end_request(*a);
  auto b = request();
  ASSERT_EQ(chk.read(*b, "regenOld2"), "user|i:8;");
  const std::string fresh = chk.create_sid(*b);
  ASSERT_FALSE(fresh.empty());
  EXPECT_TRUE(chk.destroy(*b, "regenOld2"));
  EXPECT_TRUE(chk.write(*b, fresh, "user|i:8;"));
  end_request(*b);
  auto c = request();
  EXPECT_EQ(chk.read(*c, fresh), "user|i:8;");
  EXPECT_EQ(chk.read(*c, "regenOld2"), "") << "the destroyed old id still reads data";
  EXPECT_FALSE(chk.validate(*c, "regenOld2"));
}

// P-16, P-42: updateTimestamp extends the session's life and never writes the data it is given
// (PHP passes the request's copy, which may be stale). A control session shows that the
// lifetime really passed.
TEST_P(Conformance, UpdateTimestampExtendsExpiryWithoutWriting) {
  const std::int64_t life_s = lifetime_s();
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "touched1", "keep|i:1;"));
  ASSERT_TRUE(chk.write(*a, "control1", "ctl|i:1;"));
  end_request(*a);
  clock_.advance(life_s - 10);
  auto b = request();
  EXPECT_TRUE(chk.touch(*b, "touched1", "stale|i:0;"));
  end_request(*b);
  clock_.advance(20);
  auto c = request();
  const std::int64_t removed = chk.gc(*c, life_s);
  if (guarantees_.store.expiry != model::Expiry::ttl) {
    EXPECT_EQ(removed, 1);
  }
  EXPECT_EQ(chk.read(*c, "touched1"), "keep|i:1;") << "the touched session expired or changed";
  EXPECT_EQ(chk.read(*c, "control1"), "") << "the untouched control session outlived its life";
}

// P-39: gc removes exactly the sessions older than max (strictly), and says how many.
TEST_P(Conformance, GcRemovesOnlyExpiredAndCounts) {
  const std::int64_t life_s = lifetime_s();
  Checked chk(guarantees_, clock_);
  auto a = request();
  for (const char* id : {"old1", "old2", "old3"}) ASSERT_TRUE(chk.write(*a, id, "o|i:1;"));
  clock_.advance(5);
  ASSERT_TRUE(chk.write(*a, "edge1", "e|i:1;"));
  clock_.advance(life_s - 10);
  ASSERT_TRUE(chk.write(*a, "fresh1", "f|i:1;"));
  end_request(*a);
  clock_.advance(10);  // old*: life + 5, edge1: exactly life (kept), fresh1: 10
  auto b = request();
  const std::int64_t removed = chk.gc(*b, life_s);
  if (guarantees_.store.expiry != model::Expiry::ttl) {
    EXPECT_EQ(removed, 3);
  }
  for (const char* id : {"old1", "old2", "old3"}) EXPECT_EQ(chk.read(*b, id), "") << id;
  EXPECT_EQ(chk.read(*b, "edge1"), "e|i:1;") << "a session exactly max old is not expired";
  EXPECT_EQ(chk.read(*b, "fresh1"), "f|i:1;");
  EXPECT_EQ(chk.gc(*b, life_s), 0) << "a second gc found the same sessions again";
}

// P-27, P-28: create_sid gives distinct, well-formed ids that are not sessions yet.
TEST_P(Conformance, CreateSidIdsAreUniqueAndWellFormed) {
  constexpr int ids_count = 1000;
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "existing1", "x|i:1;"));
  std::set<std::string> seen;
  for (int i = 0; i < ids_count; ++i) {
    const std::string id = chk.create_sid(*a);
    ASSERT_TRUE(model::valid_session_id(id)) << "create_sid #" << i << " gave " << printable(id);
    const bool charset_ok = std::all_of(id.begin(), id.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == ',' || c == '-';
    });
    EXPECT_TRUE(charset_ok) << printable(id);
    ASSERT_TRUE(seen.insert(id).second) << "create_sid repeated " << id << " after " << i;
  }
  EXPECT_EQ(seen.count("existing1"), 0u);
}

// P-24: validateId is true exactly while the session exists.
TEST_P(Conformance, ValidateIdTrueIffExists) {
  Checked chk(guarantees_, clock_);
  auto a = request();
  EXPECT_FALSE(chk.validate(*a, "valid1"));
  ASSERT_TRUE(chk.write(*a, "valid1", "v|i:1;"));
  EXPECT_TRUE(chk.validate(*a, "valid1"));
  end_request(*a);
  auto b = request();
  EXPECT_TRUE(chk.validate(*b, "valid1")) << "another request does not see the session";
  EXPECT_TRUE(chk.destroy(*b, "valid1"));
  EXPECT_FALSE(chk.validate(*b, "valid1"));
}

// P-28: malformed ids are refused with invalid_id by every id-taking method, and nothing is
// created for them (no record, no file anywhere in the backend's directory).
// A handler that declares it keeps any id (IdPolicy::any) keeps an id PHP hands a user handler
// unchanged ("x.y;z") like any other: what it writes reads back, and destroy forgets it.
TEST_P(Conformance, OddIdsKeptWhenDeclared) {
  if (guarantees_.store.ids != model::IdPolicy::any) {
    GTEST_SKIP() << "the handler refuses ids outside [A-Za-z0-9,-] (Guarantees::store.ids)";
  }
  Checked chk(guarantees_, clock_);
  auto a = request();
  ASSERT_TRUE(chk.write(*a, "x.y;z", "x|i:1;"));
  end_request(*a);
  auto b = request();
  EXPECT_EQ(chk.read(*b, "x.y;z"), "x|i:1;");
  EXPECT_TRUE(chk.validate(*b, "x.y;z"));
  ASSERT_TRUE(chk.destroy(*b, "x.y;z"));
  EXPECT_EQ(chk.read(*b, "x.y;z"), "");
}

TEST_P(Conformance, MalformedIdsRejectedAndCreateNothing) {
  if (guarantees_.store.ids != model::IdPolicy::files_charset) {
    GTEST_SKIP() << "the handler keeps any id PHP hands it (Guarantees::store.ids)";
  }
  const auto before = dir_entries();
  auto a = request();
  for (const std::string& bad : malformed_ids()) {
    SCOPED_TRACE("id " + printable(bad));
    const handlers::Status statuses[] = {run_task(a->write(bad, "x|i:1;")),
                                         run_task(a->update_timestamp(bad, "x|i:1;")),
                                         run_task(a->destroy(bad))};
    for (const auto& st : statuses) {
      ASSERT_FALSE(st.ok()) << "a malformed id was accepted";
      EXPECT_EQ(st.error().code, ErrorCode::invalid_id) << describe(st);
    }
    auto r = run_task(a->read(bad));
    ASSERT_FALSE(r.ok()) << "read of a malformed id answered data";
    EXPECT_EQ(r.error().code, ErrorCode::invalid_id) << describe(r);
    auto v = run_task(a->validate_id(bad));
    EXPECT_TRUE(v.ok() ? !v.value() : v.error().code == ErrorCode::invalid_id) << describe(v);
  }
  end_request(*a);
  EXPECT_EQ(dir_entries(), before) << "a malformed id created a file";
  clock_.advance(10);
  Checked chk(guarantees_, clock_);
  auto b = request();
  EXPECT_EQ(chk.gc(*b, 0), 0) << "a malformed id created a record";
}

// P-05: the backend stores payloads up to its declared payload_bytes_max and refuses one byte
// more with `capacity`, leaving the stored session as it was (never a silent truncation).
TEST_P(Conformance, PayloadLimitIsEnforcedExactly) {
  constexpr std::size_t testable_bytes_max = std::size_t{1} << 20;
  const std::size_t max = guarantees_.payload_bytes_max;
  const std::string stored = pattern(std::min(max, testable_bytes_max));
  auto a = request();
  auto wrote = run_task(a->write("big1", stored));
  ASSERT_TRUE(wrote.ok()) << stored.size() << " bytes: " << describe(wrote);
  if (max <= testable_bytes_max) {
    auto over = run_task(a->write("big1", pattern(max + 1)));
    ASSERT_FALSE(over.ok()) << "payload_bytes_max + 1 bytes were accepted";
    EXPECT_EQ(over.error().code, ErrorCode::capacity) << describe(over);
  }
  end_request(*a);
  auto b = request();
  auto got = run_task(b->read("big1"));
  ASSERT_TRUE(got.ok()) << describe(got);
  EXPECT_EQ(got.value().size(), stored.size());
  EXPECT_TRUE(got.value() == stored) << "the stored payload changed";
}

namespace {

/// One step of the random sequence.
struct Step {
  enum class Kind : std::uint8_t { call, advance, reconnect } kind = Kind::call;
  HandlerCall call;
  std::int64_t seconds = 0;
};

std::string random_bytes(model::Rng& rng, std::size_t len_max) {
  std::string s(rng.below(len_max + 1), '\0');
  for (char& c : s) c = static_cast<char>(rng.below(256));
  return s;
}

Step call_step(Method m, std::vector<std::string> args) {
  return Step{Step::Kind::call, HandlerCall{m, std::move(args)}, 0};
}

// Weights: reads and writes dominate, as in real traffic; advances make expiry matter.
Step random_step(model::Rng& rng, const std::vector<std::string>& ids, std::int64_t life_s) {
  const std::string& id = ids[rng.below(ids.size())];
  const std::uint64_t roll = rng.below(100);
  if (roll < 20) return call_step(Method::read, {id});
  if (roll < 45) return call_step(Method::write, {id, random_bytes(rng, 40)});
  if (roll < 53) return call_step(Method::destroy, {id});
  if (roll < 58) {
    const std::int64_t maxes[] = {0, life_s / 2, life_s, 2 * life_s};
    return call_step(Method::gc, {std::to_string(maxes[rng.below(4)])});
  }
  if (roll < 66) return call_step(Method::validate_id, {id});
  if (roll < 76) return call_step(Method::update_timestamp, {id, random_bytes(rng, 40)});
  if (roll < 80) return call_step(Method::create_sid, {});
  if (roll < 90) {
    const auto span_s = static_cast<std::uint64_t>(std::max<std::int64_t>(life_s * 7 / 10, 1));
    return Step{Step::Kind::advance, {}, static_cast<std::int64_t>(rng.below(span_s))};
  }
  if (roll < 95) return Step{Step::Kind::reconnect, {}, 0};
  const Method ms[] = {Method::read, Method::write, Method::destroy, Method::update_timestamp};
  const Method m = ms[rng.below(4)];
  std::vector<std::string> args{malformed_ids()[rng.below(malformed_ids().size())]};
  if (m == Method::write || m == Method::update_timestamp) args.push_back("m|i:1;");
  return call_step(m, std::move(args));
}

}  // namespace

// P-61: a seeded random sequence over a few ids, with clock advances and new requests, is
// applied to the backend and to model::StoreModel; the first disagreement fails with its index.
TEST_P(Conformance, AgreesWithReferenceStore) {
  constexpr int ops_count = 500;
  model::Rng rng(seed);
  std::vector<std::string> ids = {"a,b-c", "Z"};
  while (ids.size() < 8) ids.push_back(model::php_made_id(rng, 26, 5));
  model::StoreModel reference(guarantees_.store);
  auto h = request();
  for (int i = 0; i < ops_count; ++i) {
    const Step s = random_step(rng, ids, lifetime_s());
    if (s.kind == Step::Kind::advance) {
      clock_.advance(s.seconds);
      continue;
    }
    if (s.kind == Step::Kind::reconnect) {
      end_request(*h);
      h = request();
      continue;
    }
    const Answer a = run_task(perform(*h, s.call));
    const model::Judgement j = reference.observe(s.call, a, clock_.now_s());
    ASSERT_TRUE(j.ok) << "op #" << i << " of the sequence with seed=" << seed << ": "
                      << model::show(s.call) << " answered " << model::show(a)
                      << "; the reference store answers " << j.expected;
  }
}

}  // namespace ss::conformance
