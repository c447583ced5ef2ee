// differential_fuzz: structure-aware. Fuzz bytes become a scenario (ini, variant, stored sessions,
// requests of script calls); scenarios::run_scenario runs it through the php-8.2 engine against
// every in-process handler of this build, with the judge's conformance property listening: each
// handler answer is judged by model::StoreModel::observe and each script-visible result by a
// shadow engine fed with the judged answers. A harness listener also checks that every array in
// every $_SESSION the engine reports has distinct keys. Any violation aborts and prints the
// scenario as .scn text (replayable with `sessionspec check FILE --handler URI`).
//
// Handlers: memory; files in a private directory (on /dev/shm when it exists) emptied before
// every input; table and sqlite when their factories are compiled in (probed once with
// handlers::make_backend, skipped when that fails). Redis needs a server: its own suites cover it.
// Environment: SESSIONSPEC_FUZZ_HANDLERS=memory,files restricts the handlers;
// SESSIONSPEC_FUZZ_TRACE=1 prints every run as a text trace.
//
// Input layout (every byte read past the end is 0):
//   byte 0: bit 0 lazy_write, bit 1 use_strict_mode, bits 2-3 serializer (mod 3), bits 4-5 variant
//           (mod 3), bit 6 gc on every start (gc_probability=1, gc_divisor=1), bit 7
//           gc_maxlifetime=60 instead of 1440;
//   byte 1: stored sessions before the first request: bit 0 fuzzstored1 (valid data), bit 1
//           fuzzstored2 (undecodable data), bit 2 fuzzold (written 100000 s before the start);
//   then ops: one opcode byte (mod ops_count) and 0-2 argument bytes, indices into small pools.
// At most steps_max script calls and requests_max requests are made, so a run stays short.

#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "handlers/clock.hpp"
#include "handlers/registry.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/trace.hpp"

namespace {

using ss::model::Op;
using ss::scenarios::Request;
using ss::scenarios::Scenario;
using ss::scenarios::Step;

/// Bounds on one decoded scenario.
constexpr std::size_t steps_max = 64;
constexpr std::size_t requests_max = 8;

/// Reads the input front to back; past the end it yields zeros, so every input decodes.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }
  [[nodiscard]] bool empty() const { return pos_ >= size_; }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& pool) {
    return pool[next() % N];
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

/// A pool entry: scenario-text form and the value the parser would make of it.
struct Literal {
  std::string text;
  ss::model::Value value;
};

/// Parses a pool literal as the scenario parser would; a pool entry that does not parse is a
/// harness bug.
Literal literal(const std::string& text) {
  std::string error;
  auto v = ss::scenarios::parse_value_literal(text, error);
  if (!v) ss::fuzz::violated("pool literal parses", __FILE__, __LINE__, error);
  return Literal{text, std::move(*v)};
}

/// Values for set/push: scalars, awkward strings, nested arrays, extremes.
const std::vector<Literal>& values() {
  static const std::vector<Literal> pool = {literal("1"),
                                            literal("\"bar\""),
                                            literal("\"x|y\""),
                                            literal("\"caf\\u00e9\""),
                                            literal("\"nul\\u0000byte\""),
                                            literal("1.5"),
                                            literal("-0.0"),
                                            literal("true"),
                                            literal("null"),
                                            literal("[1,2]"),
                                            literal("{\"k\":{\"n\":[true,\"v\"]}}"),
                                            literal("\"" + std::string(100, 'p') + "\""),
                                            literal("9223372036854775807"),
                                            literal("1e300"),
                                            literal("{\"9223372036854775807\":1}")};
  return pool;
}

/// $_SESSION keys: plain, integer, with a '|' (the php serialiser refuses it), empty, and longer
/// than php_binary's 127-byte name limit.
const std::array<ss::model::Key, 8>& keys() {
  static const std::array<ss::model::Key, 8> pool = {
      std::string("a"), std::string("b"),   std::string("count"), std::int64_t{0},
      std::int64_t{7},  std::string("x|y"), std::string(""),      std::string(130, 'k')};
  return pool;
}

/// Ids for session_id(x) and cookies: valid, stored, and malformed ones.
const std::array<std::string, 13>& ids() {
  static const std::array<std::string, 13> pool = {"abc",
                                                   "fuzz-id,1",
                                                   "0123456789abcdefghijklmnop",
                                                   std::string(256, 'a'),
                                                   "fuzzstored1",
                                                   "fuzzstored2",
                                                   "fuzzold",
                                                   "",
                                                   "../../etc/passwd",
                                                   "a/b",
                                                   "sp ace",
                                                   std::string(257, 'a'),
                                                   std::string("nul\0id", 6)};
  return pool;
}

/// session_start() option sets.
const std::array<std::map<std::string, std::string>, 6>& start_options() {
  static const std::array<std::map<std::string, std::string>, 6> pool = {
      {{},
       {{"read_and_close", "1"}},
       {{"lazy_write", "0"}},
       {{"use_strict_mode", "1"}},
       {{"serialize_handler", "php_serialize"}},
       {{"gc_maxlifetime", "1"}}}};
  return pool;
}

/// A JSON string literal for scenario text (non-UTF-8 bytes never occur in the pools).
std::string json_string(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

/// A key as scenario text: integer, bare word, or JSON string.
std::string key_text(const ss::model::Key& k) {
  if (const auto* i = std::get_if<std::int64_t>(&k)) return std::to_string(*i);
  const auto& s = std::get<std::string>(k);
  bool bare = !s.empty() && (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_');
  for (char c : s) bare = bare && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return bare ? s : json_string(s);
}

}  // namespace

namespace {

// ---------------------------------------------------------------------------------------------
// Decoding bytes into a scenario
// ---------------------------------------------------------------------------------------------

/// The operations an opcode byte selects (mod ops_count).
enum class Kind : std::uint8_t {
  start,
  set,
  unset,
  incr,
  push,
  get,
  write_close,
  commit,
  regenerate,
  reset,
  id,
  destroy,
  abort,
  gc,
  create_id,
  advance,
  new_request,
  session_unset,
  status,
};
constexpr std::uint8_t ops_count = static_cast<std::uint8_t>(Kind::status) + 1;

const std::array<std::string, 4> create_id_prefixes = {"", "pre-", "bad/", "x"};
const std::array<std::int64_t, 5> advance_seconds = {1, 59, 61, 1441, 100000};

/// Bytes 0 and 1: the run options, the variant and the stored sessions.
Scenario decode_header(ByteReader& in) {
  const std::uint8_t flags = in.next();
  const std::uint8_t seeds = in.next();
  Scenario sc;
  sc.name = "differential-fuzz";
  sc.file = "differential-fuzz.scn";
  static const std::array<std::string, 3> serializers = {"php", "php_serialize", "php_binary"};
  const std::size_t ser = (flags >> 2 & 3) % 3;
  sc.ini = {{"lazy_write", (flags & 1) ? "1" : "0"},
            {"use_strict_mode", (flags & 2) ? "1" : "0"},
            {"serialize_handler", serializers[ser]},
            {"gc_probability", (flags & 64) ? "1" : "0"},
            {"gc_divisor", "1"},
            {"gc_maxlifetime", (flags & 128) ? "60" : "1440"}};
  static const std::array<ss::model::Variant, 3> variants = {
      ss::model::Variant::full, ss::model::Variant::basic, ss::model::Variant::sessionhandler};
  sc.variant = variants[(flags >> 4 & 3) % 3];
  static const std::array<std::string, 3> valid_data = {"a|i:1;", "a:1:{s:1:\"a\";i:1;}",
                                                        std::string("\x01"
                                                                    "ai:1;")};
  if (seeds & 1) sc.store.push_back({"fuzzstored1", valid_data[ser], 0});
  if (seeds & 2) sc.store.push_back({"fuzzstored2", "garbage|x", 0});
  if (seeds & 4) sc.store.push_back({"fuzzold", valid_data[ser], 100000});
  return sc;
}

/// A new request; one byte picks the cookie: the jar, none, or an id from ids().
Request decode_request(ByteReader& in, std::size_t index) {
  const std::uint8_t b = in.next();
  Request r;
  r.name = "r" + std::to_string(index + 1);
  if (b % 4 == 1) {
    r.cookie_mode = Request::CookieMode::none;
    r.cookie = "none";
  } else if (b % 4 >= 2) {
    const std::string& id = ids()[(b >> 2) % ids().size()];
    // `request cookie=ID` cannot carry a blank in scenario text; such picks send no cookie.
    const bool blank = id.find(' ') != std::string::npos;
    r.cookie_mode = blank ? Request::CookieMode::none : Request::CookieMode::explicit_id;
    r.cookie = blank ? "none" : id;
  }
  return r;
}

/// Fills `c` for a $_SESSION operation or a no-argument session function; returns its text.
std::string decode_simple(Kind kind, ByteReader& in, ss::model::ScriptCall& c) {
  auto with_key = [&](Op op, const char* word) {
    c.op = op;
    c.key = in.pick(keys());
    return std::string(word) + " " + key_text(c.key);
  };
  auto with_value = [&](Op op, const char* word) {
    std::string text = with_key(op, word);
    const Literal& v = values()[in.next() % values().size()];
    c.value = v.value;
    return text + " " + v.text;
  };
  switch (kind) {
    case Kind::set: return with_value(Op::set, "set");
    case Kind::push: return with_value(Op::push, "push");
    case Kind::unset: return with_key(Op::unset, "unset");
    case Kind::incr: return with_key(Op::incr, "incr");
    case Kind::get: return with_key(Op::get, "get");
    case Kind::write_close: c.op = Op::session_write_close; break;
    case Kind::commit: c.op = Op::session_commit; break;
    case Kind::reset: c.op = Op::session_reset; break;
    case Kind::destroy: c.op = Op::session_destroy; break;
    case Kind::abort: c.op = Op::session_abort; break;
    case Kind::gc: c.op = Op::session_gc; break;
    case Kind::session_unset: c.op = Op::session_unset; break;
    default: c.op = Op::session_status; break;
  }
  return std::string(ss::model::op_name(c.op));
}

/// Fills `c` for a call that takes a pool argument; returns its scenario text.
std::string decode_call(Kind kind, ByteReader& in, ss::model::ScriptCall& c) {
  switch (kind) {
    case Kind::start: {
      c.op = Op::session_start;
      c.options = in.pick(start_options());
      std::string text = "session_start";
      for (const auto& [k, v] : c.options) text += " " + k + "=" + v;
      return text;
    }
    case Kind::regenerate:
      c.op = Op::session_regenerate_id;
      c.flag = (in.next() & 1) != 0;
      return std::string("session_regenerate_id ") + (c.flag ? "true" : "false");
    case Kind::id: {
      c.op = Op::session_id;
      const std::uint8_t b = in.next();
      if (b % 3 == 0) return "session_id";  // the getter
      c.text = ids()[b % ids().size()];
      return "session_id " + json_string(*c.text);
    }
    case Kind::create_id: {
      c.op = Op::session_create_id;
      const std::uint8_t b = in.next();
      if (b % 5 == 0) return "session_create_id";
      c.text = create_id_prefixes[b % create_id_prefixes.size()];
      return "session_create_id " + json_string(*c.text);
    }
    case Kind::advance:
      c.op = Op::advance;
      c.seconds = in.pick(advance_seconds);
      return "advance " + std::to_string(c.seconds);
    default: return decode_simple(kind, in, c);
  }
}

/// The whole input as a scenario: the header, then ops until the input or steps_max runs out.
Scenario decode(ByteReader& in) {
  Scenario sc = decode_header(in);
  sc.requests.push_back(Request{});
  sc.requests.back().name = "r1";
  int line = 0;
  for (std::size_t steps = 0; steps < steps_max && !in.empty();) {
    const auto kind = static_cast<Kind>(in.next() % ops_count);
    if (kind == Kind::new_request) {
      Request r = decode_request(in, sc.requests.size());
      if (sc.requests.size() < requests_max) sc.requests.push_back(std::move(r));
      continue;
    }
    Step st;
    st.source = decode_call(kind, in, st.call);
    st.line = ++line;
    sc.requests.back().steps.push_back(std::move(st));
    ++steps;
  }
  return sc;
}

/// The scenario as .scn text, so that a finding replays with `sessionspec check`.
std::string render(const Scenario& sc) {
  std::string out = "scenario " + sc.name + "\nini";
  for (const auto& [k, v] : sc.ini) out += " " + k + "=" + v;
  out += "\nvariant " + std::string(ss::model::variant_name(*sc.variant)) + "\n";
  for (const auto& s : sc.store) {
    out += "store " + s.id + " " + json_string(s.data) + " age_s=" + std::to_string(s.age_s) + "\n";
  }
  for (const auto& r : sc.requests) {
    out += "request";
    if (r.cookie_mode != Request::CookieMode::jar) out += " cookie=" + json_string(r.cookie);
    out += "\n";
    for (const auto& st : r.steps) out += "  " + st.source + "\n";
  }
  return out;
}

}  // namespace

namespace {

// ---------------------------------------------------------------------------------------------
// Handlers and the run
// ---------------------------------------------------------------------------------------------

/// The process's scratch space: a private directory (on tmpfs when there is one) with one
/// subdirectory per file-backed handler, and the name of its table segment. Everything is emptied
/// after every run, before any finding aborts, so an abort leaves at most empty directories; the
/// whole directory goes when the process exits normally.
class Scratch {
 public:
  Scratch() : table_("fuzz" + std::to_string(::getpid())) {
    // SQLite and the table's write-through files sync, and a sync on a real disk costs
    // milliseconds per call, which would make the target I/O-bound.
    std::error_code ec;
    const bool shm =
        std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK | X_OK) == 0;
    const std::filesystem::path base = shm ? "/dev/shm" : std::filesystem::temp_directory_path();
    std::string pattern = (base / "ss-fuzz-differential").string() + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      ss::fuzz::violated("mkdtemp succeeds", __FILE__, __LINE__, pattern);
    }
    root_ = pattern;
    for (const char* sub : {"files", "sqlite", "table"}) {
      std::filesystem::create_directory(root_ + "/" + sub, ec);
    }
  }
  ~Scratch() {
    forget_table();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  [[nodiscard]] std::string dir(const char* sub) const { return root_ + "/" + sub; }
  /// One table per process: parallel fuzzing jobs must not share a segment.
  [[nodiscard]] const std::string& table() const { return table_; }
  /// Empties every subdirectory.
  void clear() const {
    std::error_code ec;
    for (const char* sub : {"files", "sqlite", "table"}) {
      for (const auto& e : std::filesystem::directory_iterator(dir(sub), ec)) {
        std::filesystem::remove_all(e.path(), ec);
      }
    }
  }
  /// Unlinks the table's shared-memory segment; a backend that has it mapped keeps using it. The
  /// name mirrors table_shm_name() in handlers/table_handler.cpp, which is not linked when the
  /// table handler is not built.
  void forget_table() const { ::shm_unlink(("/sessionspec-table-" + table_).c_str()); }

 private:
  std::string root_;
  std::string table_;
};

const Scratch& scratch() {
  static const Scratch s;
  return s;
}

/// The handlers every input runs against, probed once. A table of 256 rows is small enough to
/// create per input and still holds more sessions and bytes than steps_max calls can make.
const std::vector<std::string>& targets() {
  static const std::vector<std::string> live = [] {
    const Scratch& s = scratch();
    const std::vector<std::string> candidates = {
        "memory",
        "files:" + s.dir("files"),
        "table:" + s.table() + "?fresh=1&rows=256&dir=" + s.dir("table"),
        "sqlite:" + s.dir("sqlite") + "/fuzz.db",
    };
    // SESSIONSPEC_FUZZ_HANDLERS=memory,files,... restricts the set (a focused campaign).
    const char* only = std::getenv("SESSIONSPEC_FUZZ_HANDLERS");
    const std::string wanted = only == nullptr ? std::string() : "," + std::string(only) + ",";
    std::vector<std::string> out;
    for (const auto& uri : candidates) {
      const std::string scheme = uri.substr(0, uri.find(':'));
      if (only != nullptr && wanted.find("," + scheme + ",") == std::string::npos) continue;
      ss::handlers::ManualClock clock(0);
      auto made = ss::handlers::make_backend(uri, 1, clock);
      s.forget_table();
      s.clear();
      std::fprintf(stderr, "differential_fuzz: handler %s: %s\n", uri.c_str(),
                   made.ok() ? "fuzzed" : ("skipped (" + made.error().reason + ")").c_str());
      if (made.ok()) out.push_back(uri);
    }
    return out;
  }();
  return live;
}

/// Returns a description of the first repeated key in `a` or in an array or object inside it.
std::optional<std::string> repeated_key(const std::vector<ss::model::Entry>& entries, int depth) {
  std::set<ss::model::Key> seen;
  for (const auto& e : entries) {
    if (!seen.insert(e.key).second) return "key " + ss::model::show(e.key) + " appears twice";
    if (depth >= 64) continue;  // pool values nest three deep; this only bounds the recursion
    const std::vector<ss::model::Entry>* inner = nullptr;
    if (const auto* a = std::get_if<ss::model::Array>(&e.value.v)) inner = &a->items;
    if (const auto* o = std::get_if<ss::model::Object>(&e.value.v)) inner = &o->props;
    if (inner == nullptr) continue;
    if (auto r = repeated_key(*inner, depth + 1)) return "in " + ss::model::show(e.key) + ": " + *r;
  }
  return std::nullopt;
}

/// Invariants of what the engine reports, beyond the model's own judgement: every PHP array in
/// $_SESSION has distinct keys (a hash table cannot hold a key twice).
class InvariantChecker final : public ss::scenarios::Listener {
 public:
  void on_event(const ss::scenarios::Event& e) override {
    using ss::scenarios::EventKind;
    if (failure_) return;
    if (e.kind() != EventKind::script && e.kind() != EventKind::response) return;
    const auto& session =
        e.kind() == EventKind::script ? e.script().state.session : e.response().state.session;
    if (!session) return;
    if (auto r = repeated_key(session->items, 0)) {
      failure_ = "request " + std::to_string(e.request) + ", step " + std::to_string(e.step) +
                 ": $_SESSION " + ss::model::show(ss::model::Value(*session)) + ": " + *r;
    }
  }
  [[nodiscard]] const std::optional<std::string>& failure() const { return failure_; }

 private:
  std::optional<std::string> failure_;
};

void run_against(const std::string& uri, const Scenario& sc) {
  ss::handlers::ManualClock clock(sc.clock_start_s);
  auto made = ss::handlers::make_backend(uri, 1, clock);
  scratch().forget_table();
  FUZZ_CHECK(made.ok(), uri + ": " + (made.ok() ? "" : made.error().reason));
  ss::handlers::Backend& backend = *made.value();
  ss::scenarios::Judge checker(ss::scenarios::JudgeOptions{.expectations = false});
  InvariantChecker invariants;
  std::vector<ss::scenarios::Listener*> listeners = {&checker, &invariants};
  // SESSIONSPEC_FUZZ_TRACE=1 prints every run as a text trace, for reading a finding's replay.
  static const bool trace = std::getenv("SESSIONSPEC_FUZZ_TRACE") != nullptr;
  ss::scenarios::TextTraceWriter writer(std::cerr);
  if (trace) listeners.push_back(&writer);
  ss::scenarios::RunConfig cfg;  // php-8.2, seed 1
  const auto ran = ss::scenarios::run_scenario(sc, cfg, backend, clock, listeners);
  made.value().reset();  // closes the store before its files go
  scratch().clear();
  FUZZ_CHECK(ran.ok(), uri + ": " + (ran.ok() ? "" : ran.error().message) + "\n--- scenario ---\n" +
                           render(sc));
  if (const auto& f = checker.conformance_failure()) {
    ss::fuzz::violated("handler answers and script results agree with the model", __FILE__,
                       __LINE__,
                       "handler " + uri + "\n" + f->str() + "\n--- scenario ---\n" + render(sc));
  }
  if (const auto& f = invariants.failure()) {
    ss::fuzz::violated("every array in $_SESSION has distinct keys", __FILE__, __LINE__,
                       "handler " + uri + "\n" + *f + "\n--- scenario ---\n" + render(sc));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  const Scenario sc = decode(in);
  for (const std::string& uri : targets()) run_against(uri, sc);
  return 0;
}
