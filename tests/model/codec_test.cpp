// Tests for model/codec: golden vectors, byte-for-byte comparison with php8.2-cli over generated
// values, differential decoding against PHP (including PHP's error offsets), and round trips.

#include "model/codec.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace {

using namespace ss::model;
using namespace std::string_literals;

constexpr std::int64_t int_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

std::string hex(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

Entry entry(Key key, Value value) {
  return Entry{std::move(key), std::move(value)};
}

Array array_of(std::vector<Entry> items) {
  Array a;
  for (auto& e : items) a.set(e.key, std::move(e.value));
  return a;
}

Value decode_ok(std::string_view bytes) {
  auto r = unserialize(bytes);
  if (auto* err = std::get_if<DecodeError>(&r)) {
    ADD_FAILURE() << "unserialize(" << bytes << ") failed at " << err->offset << ": "
                  << err->message;
    return Value();
  }
  return std::get<Value>(r);
}

/// The offset of the error unserialize_prefix() reports, or -1 when it succeeds.
long prefix_error_offset(std::string_view bytes) {
  auto r = unserialize_prefix(bytes);
  if (auto* err = std::get_if<DecodeError>(&r)) return static_cast<long>(err->offset);
  return -1;
}

Object pt(Value x, Value y, Value z) {
  return Object{
      "Pt",
      {entry("x"s, std::move(x)), entry("\0*\0y"s, std::move(y)), entry("\0Pt\0z"s, std::move(z))}};
}

// ---------------------------------------------------------------------------------------------
// Running PHP
// ---------------------------------------------------------------------------------------------

bool php_available() {
  static const bool available = std::system("php -v > /dev/null 2>&1") == 0;
  return available;
}

#define REQUIRE_PHP()                                              \
  do {                                                             \
    if (!php_available())                                          \
      GTEST_SKIP() << "php (php8.2-cli) is not on PATH: skipping " \
                      "the comparison with real PHP";              \
  } while (0)

/// Runs `script` with `php -n` plus session flags that keep the CLI quiet; returns stdout lines.
std::vector<std::string> run_php(const std::string& script) {
  namespace fs = std::filesystem;
  static int counter = 0;
  const std::string stem =
      "codec_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  const fs::path dir = fs::temp_directory_path();
  const fs::path src = dir / (stem + ".php");
  const fs::path out = dir / (stem + ".out");
  std::ofstream(src, std::ios::binary) << script;
  const std::string cmd =
      "php -n -d session.use_cookies=0 -d session.cache_limiter= -d unserialize_max_depth=" +
      std::to_string(decode_depth_max) + " -d memory_limit=1G '" + src.string() + "' > '" +
      out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  std::vector<std::string> lines;
  std::ifstream in(out, std::ios::binary);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  fs::remove(src);
  fs::remove(out);
  EXPECT_EQ(status, 0) << "php failed; first output line: " << (lines.empty() ? "" : lines.front());
  return lines;
}

/// PHP source shared by the scripts: a quiet error handler, a float-from-bits helper, a
/// stdClass builder and the declared classes whose mangled property names the tests cover.
const char* php_prelude() {
  return R"PHP(<?php
ob_start();
error_reporting(E_ALL);
$GLOBALS['warnings'] = [];
set_error_handler(function ($no, $msg) { $GLOBALS['warnings'][] = $msg; return true; });
function f($h) { return unpack('E', hex2bin($h))[1]; }
function o_std(array $props) {
  $o = new stdClass;
  foreach ($props as $k => $v) { $o->{$k} = $v; }
  return $o;
}
class CodecTestMemoryHandler implements SessionHandlerInterface {
  function open($p, $n): bool { return true; }
  function close(): bool { return true; }
  function read($id): string|false { return ''; }
  function write($id, $d): bool { return true; }
  function destroy($id): bool { return true; }
  function gc($l): int|false { return 0; }
}
session_set_save_handler(new CodecTestMemoryHandler, true);
)PHP";
}

const char* php_classes() {
  return R"PHP(
class Pt {
  public $x; protected $y; private $z;
  function __construct($x, $y, $z) { $this->x = $x; $this->y = $y; $this->z = $z; }
}
class Sub extends Pt {
  private $w; public $v;
  function __construct($x, $y, $z, $w, $v) {
    parent::__construct($x, $y, $z); $this->w = $w; $this->v = $v;
  }
}
)PHP";
}

// ---------------------------------------------------------------------------------------------
// PHP literals, written independently of the serializer under test
// ---------------------------------------------------------------------------------------------

std::string php_str(std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    out += "\\x";
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out + "\"";
}

std::string php_int(std::int64_t i) {
  return i == int_min ? "PHP_INT_MIN" : std::to_string(i);
}

std::string php_key(const Key& k) {
  if (const auto* i = std::get_if<std::int64_t>(&k)) return php_int(*i);
  return php_str(std::get<std::string>(k));
}

std::string php_lit(const Value& v);

std::string php_entries(const std::vector<Entry>& items) {
  std::string out = "[";
  for (const auto& e : items) out += php_key(e.key) + " => " + php_lit(e.value) + ", ";
  return out + "]";
}

std::string php_object(const Object& o) {
  std::string args;
  for (const auto& p : o.props) args += (args.empty() ? "" : ", ") + php_lit(p.value);
  if (o.class_name == "Pt" || o.class_name == "Sub") {
    return "new " + o.class_name + "(" + args + ")";
  }
  return "o_std(" + php_entries(o.props) + ")";
}

std::string php_lit(const Value& v) {
  if (v.is_null()) return "null";
  if (const auto* b = std::get_if<bool>(&v.v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<std::int64_t>(&v.v)) return php_int(*i);
  if (const auto* d = std::get_if<double>(&v.v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx",
                  static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(*d)));
    return "f('"s + buf + "')";
  }
  if (const auto* s = std::get_if<std::string>(&v.v)) return php_str(*s);
  if (const auto* a = std::get_if<Array>(&v.v)) return php_entries(a->items);
  return php_object(std::get<Object>(v.v));
}

// ---------------------------------------------------------------------------------------------
// Deterministic generation
// ---------------------------------------------------------------------------------------------

/// splitmix64: fully specified, so the generated corpus is identical on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool percent(std::size_t p) { return below(100) < p; }

 private:
  std::uint64_t state_;
};

double canonical(double d) {
  return std::isnan(d) ? std::numeric_limits<double>::quiet_NaN() : d;
}

/// Floats that exercise every branch of PHP's layout (fixed, exponent, the -3 and 17 limits).
const std::vector<double>& edge_floats() {
  static const std::vector<double> v = {0.0,
                                        -0.0,
                                        0.1,
                                        2.0,
                                        1.5,
                                        -1.5,
                                        1e25,
                                        1e-7,
                                        123456789012345678.0,
                                        0.00001,
                                        1e15,
                                        1e16,
                                        1e17,
                                        1e21,
                                        1e22,
                                        0.0001,
                                        0.001,
                                        0.000123,
                                        5e-324,
                                        2.2250738585072014e-308,
                                        1.7976931348623157e308,
                                        9007199254740993.0,
                                        0.30000000000000004,
                                        1e100,
                                        123.456,
                                        -2.5e-300,
                                        12345678901234567.0,
                                        1234567890123456.0,
                                        1e-4,
                                        1e-5,
                                        100.0,
                                        1e19,
                                        1e20,
                                        std::numeric_limits<double>::infinity(),
                                        -std::numeric_limits<double>::infinity(),
                                        std::numeric_limits<double>::quiet_NaN()};
  return v;
}

double gen_float(Rng& rng) {
  static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};
  switch (rng.below(4)) {
    case 0: return edge_floats()[rng.below(edge_floats().size())];
    case 1: return canonical(std::bit_cast<double>(rng.next()));
    case 2:
      return static_cast<double>(static_cast<std::int64_t>(rng.below(2000001)) - 1000000) /
             pow10[rng.below(11)];
    default: return static_cast<double>(static_cast<std::int64_t>(rng.next()) >> rng.below(64));
  }
}

std::int64_t gen_int(Rng& rng) {
  static const std::int64_t edges[] = {0,   1,   -1,      7,       127,         128,
                                       255, 256, int_max, int_min, int_min + 1, 1000000};
  switch (rng.below(3)) {
    case 0: return edges[rng.below(std::size(edges))];
    case 1: return static_cast<std::int64_t>(rng.next());
    default: return static_cast<std::int64_t>(rng.below(2001)) - 1000;
  }
}

std::string gen_string(Rng& rng) {
  static const char* samples[] = {"h\xc3\xa9llo",
                                  "\xe6\x97\xa5\xe6\x9c\xac",
                                  "\xf0\x9f\x98\x80",
                                  "a\"b;c}",
                                  "|",
                                  "07",
                                  "-0",
                                  "1e3",
                                  " 5",
                                  "9223372036854775808",
                                  "-9223372036854775808",
                                  "0"};
  std::string s;
  switch (rng.below(5)) {
    case 0:  // arbitrary bytes, NUL included
      for (std::size_t n = rng.below(17); n > 0; --n) s += static_cast<char>(rng.below(256));
      return s;
    case 1:
      for (std::size_t n = rng.below(13); n > 0; --n) s += static_cast<char>(32 + rng.below(95));
      return s;
    case 2: return std::to_string(gen_int(rng));
    case 3: return samples[rng.below(std::size(samples))];
    default: return s;
  }
}

/// A property name PHP lets `$o->{$name}` create: non-empty and without NUL bytes.
std::string gen_prop_name(Rng& rng) {
  std::string s = gen_string(rng);
  std::erase(s, '\0');
  return s.empty() ? "p" : s;
}

Key gen_key(Rng& rng) {
  if (rng.percent(45)) return gen_int(rng);
  return normalise_key(gen_string(rng));
}

Value gen_value(Rng& rng, int depth);

Value gen_object(Rng& rng, int depth) {
  switch (rng.below(3)) {
    case 0: {
      Object o{"stdClass", {}};
      std::vector<Entry> props;
      for (std::size_t n = rng.below(4); n > 0; --n) {
        Key name = gen_prop_name(rng);
        // PHP turns a numeric property name into a string property: keep it a string here.
        bool dup = false;
        for (const auto& p : o.props) dup = dup || p.key == name;
        if (!dup) o.props.push_back(entry(name, gen_value(rng, depth + 1)));
      }
      return o;
    }
    case 1:
      return pt(gen_value(rng, depth + 1), gen_value(rng, depth + 1), gen_value(rng, depth + 1));
    default: {
      Object o =
          pt(gen_value(rng, depth + 1), gen_value(rng, depth + 1), gen_value(rng, depth + 1));
      o.class_name = "Sub";
      o.props.push_back(entry("\0Sub\0w"s, gen_value(rng, depth + 1)));
      o.props.push_back(entry("v"s, gen_value(rng, depth + 1)));
      return o;
    }
  }
}

Value gen_value(Rng& rng, int depth) {
  const std::size_t kinds = depth < 3 ? 8 : 6;
  switch (rng.below(kinds)) {
    case 0: return Value();
    case 1: return Value(rng.percent(50));
    case 2: return Value(gen_int(rng));
    case 3: return Value(gen_float(rng));
    case 4:
    case 5: return Value(gen_string(rng));
    case 6: {
      Array a;
      for (std::size_t n = rng.below(6); n > 0; --n) a.set(gen_key(rng), gen_value(rng, depth + 1));
      return a;
    }
    default: return gen_object(rng, depth);
  }
}

std::string all_bytes() {
  std::string s;
  for (int b = 0; b < 256; ++b) s += static_cast<char>(b);
  return s;
}

/// ≥ 300 values: fixed edge cases followed by seeded random trees.
const std::vector<Value>& generated_values() {
  static const std::vector<Value> values = [] {
    std::vector<Value> v;
    v.emplace_back(all_bytes());
    v.emplace_back(array_of({entry(all_bytes(), all_bytes()), entry(int_min, int_max)}));
    for (double d : edge_floats()) v.emplace_back(d);
    v.emplace_back(pt(1, 2, 3));
    Rng rng(20240607);
    while (v.size() < 360) v.push_back(gen_value(rng, 0));
    return v;
  }();
  return values;
}

/// Top-level session names: ordinary, numeric (int keys), with '|', empty, and around the
/// php_binary 127-byte limit.
Key gen_session_name(Rng& rng) {
  switch (rng.below(12)) {
    case 0: return gen_int(rng);
    case 1: return "a|b"s;
    case 2: return std::string(127 + rng.below(3), 'n');
    case 3: return ""s;
    case 4: return normalise_key(std::to_string(rng.below(20)));
    default: return normalise_key(gen_prop_name(rng));
  }
}

const std::vector<Array>& generated_sessions() {
  static const std::vector<Array> sessions = [] {
    std::vector<Array> s;
    s.emplace_back();
    s.push_back(array_of({entry(7, "seven")}));
    s.push_back(array_of({entry(std::string(128, 'b'), 2)}));
    s.push_back(array_of({entry("a"s, 1), entry(7, 2), entry("b|c"s, 3), entry(8, 4)}));
    Rng rng(77);
    while (s.size() < 150) {
      Array a;
      for (std::size_t n = rng.below(5); n > 0; --n) {
        a.set(gen_session_name(rng), gen_value(rng, 0));
      }
      s.push_back(std::move(a));
    }
    return s;
  }();
  return sessions;
}

constexpr Serializer all_formats[] = {Serializer::php, Serializer::php_binary,
                                      Serializer::php_serialize};

// ---------------------------------------------------------------------------------------------
// Golden vectors (docs/php-session-semantics.md section 7)
// ---------------------------------------------------------------------------------------------

Array golden_session() {
  const Array b = array_of({entry("b"s, array_of({entry(0, true)}))});
  const Array arr = array_of({entry(0, 1), entry("a"s, b), entry(5, Value())});
  return array_of({
      entry("int"s, 42),
      entry("neg"s, -7),
      entry("str"s, "h\xc3\xa9llo \"q\";|"),
      entry("empty"s, ""),
      entry("t"s, true),
      entry("f"s, false),
      entry("null"s, Value()),
      entry("float"s, 1.5),
      entry("float2"s, 0.1),
      entry("floatint"s, 2.0),
      entry("arr"s, arr),
      entry("obj"s, Object{"stdClass", {entry("p"s, 1)}}),
      entry("pt"s, pt(1, 2, 3)),
  });
}

const std::string golden_php =
    "int|i:42;neg|i:-7;str|s:12:\"h\xc3\xa9llo \"q\";|\";empty|s:0:\"\";"
    "t|b:1;f|b:0;null|N;float|d:1.5;float2|d:0.1;floatint|d:2;"
    "arr|a:3:{i:0;i:1;s:1:\"a\";a:1:{s:1:\"b\";a:1:{i:0;b:1;}}i:5;N;}"
    "obj|O:8:\"stdClass\":1:{s:1:\"p\";i:1;}"
    "pt|O:2:\"Pt\":3:{s:1:\"x\";i:1;s:4:\"\0*\0y\";i:2;s:5:\"\0Pt\0z\";i:3;}"s;

TEST(CodecGolden, PhpFormatMatchesDocument) {
  const EncodeResult r = encode_session(golden_session(), Serializer::php);
  EXPECT_FALSE(r.failed);
  EXPECT_TRUE(r.skipped_numeric_keys.empty());
  EXPECT_EQ(r.bytes, golden_php);
  auto back = decode_session(golden_php, Serializer::php);
  ASSERT_TRUE(std::holds_alternative<Array>(back));
  EXPECT_EQ(std::get<Array>(back), golden_session());
}

TEST(CodecGolden, PhpBinaryAndPhpSerialize) {
  const EncodeResult bin = encode_session(golden_session(), Serializer::php_binary);
  EXPECT_TRUE(bin.bytes.starts_with("\x03inti:42;\x03negi:-7;\x03strs:12:"));
  const EncodeResult ser = encode_session(golden_session(), Serializer::php_serialize);
  EXPECT_TRUE(ser.bytes.starts_with("a:13:{s:3:\"int\";i:42;s:3:\"neg\";i:-7;"));
  EXPECT_TRUE(ser.bytes.ends_with("i:2;s:5:\"\0Pt\0z\";i:3;}}"s));
}

TEST(CodecGolden, NumericTopLevelKeys) {
  const Array s = array_of({entry(7, "seven")});
  const EncodeResult php = encode_session(s, Serializer::php);
  EXPECT_EQ(php.bytes, "");
  EXPECT_FALSE(php.failed);
  EXPECT_EQ(php.skipped_numeric_keys, std::vector<std::int64_t>{7});
  EXPECT_EQ(encode_session(s, Serializer::php_binary).skipped_numeric_keys,
            std::vector<std::int64_t>{7});
  const EncodeResult ser = encode_session(s, Serializer::php_serialize);
  EXPECT_EQ(ser.bytes, "a:1:{i:7;s:5:\"seven\";}");
  EXPECT_TRUE(ser.skipped_numeric_keys.empty());
}

TEST(CodecGolden, PipeInNameFailsOnlyUnderPhp) {
  // PHP stops at the '|' name, so the numeric key 8 after it is never warned about.
  const Array s = array_of({entry("a"s, 1), entry(7, 2), entry("b|c"s, 3), entry(8, 4)});
  const EncodeResult php = encode_session(s, Serializer::php);
  EXPECT_TRUE(php.failed);
  EXPECT_EQ(php.bytes, "");
  EXPECT_EQ(php.skipped_numeric_keys, std::vector<std::int64_t>{7});
  const EncodeResult bin = encode_session(s, Serializer::php_binary);
  EXPECT_FALSE(bin.failed);
  EXPECT_EQ(bin.bytes,
            "\x01"
            "ai:1;\x03"
            "b|ci:3;");
  EXPECT_EQ(bin.skipped_numeric_keys, (std::vector<std::int64_t>{7, 8}));
}

TEST(CodecGolden, EmptySessionAndBinaryNameLimit) {
  EXPECT_EQ(encode_session(Array{}, Serializer::php).bytes, "");
  EXPECT_EQ(encode_session(Array{}, Serializer::php_binary).bytes, "");
  EXPECT_EQ(encode_session(Array{}, Serializer::php_serialize).bytes, "a:0:{}");
  const Array s = array_of({entry(std::string(127, 'a'), 1), entry(std::string(128, 'b'), 2)});
  const EncodeResult bin = encode_session(s, Serializer::php_binary);
  EXPECT_EQ(bin.bytes, "\x7f" + std::string(127, 'a') + "i:1;");
  EXPECT_FALSE(bin.failed);
  EXPECT_TRUE(bin.skipped_numeric_keys.empty());
}

TEST(CodecGolden, FloatFormats) {
  const std::pair<double, const char*> cases[] = {
      {1e25, "d:1.0E+25;"},
      {1e-7, "d:1.0E-7;"},
      {123456789012345678.0, "d:1.2345678901234568E+17;"},
      {0.00001, "d:1.0E-5;"},
      {-0.0, "d:-0;"},
      {1e15, "d:1000000000000000;"},
      {1e16, "d:10000000000000000;"},
      {1e17, "d:1.0E+17;"},
      {1e21, "d:1.0E+21;"},
      {0.0001, "d:0.0001;"},
      {0.1, "d:0.1;"},
      {2.0, "d:2;"},
      {0.0, "d:0;"},
      {5e-324, "d:5.0E-324;"},
      {1.5e300, "d:1.5E+300;"},
      {0.000123, "d:0.000123;"},
      {std::numeric_limits<double>::infinity(), "d:INF;"},
      {-std::numeric_limits<double>::infinity(), "d:-INF;"},
      {std::numeric_limits<double>::quiet_NaN(), "d:NAN;"},
      {-std::numeric_limits<double>::quiet_NaN(), "d:NAN;"},
  };
  for (const auto& [d, want] : cases) EXPECT_EQ(serialize(Value(d)), want) << want;
}

TEST(CodecGolden, ScalarsAndContainers) {
  EXPECT_EQ(serialize(Value()), "N;");
  EXPECT_EQ(serialize(Value(true)), "b:1;");
  EXPECT_EQ(serialize(Value(int_min)), "i:-9223372036854775808;");
  EXPECT_EQ(serialize(Value("a\0b"s)), "s:3:\"a\0b\";"s);
  EXPECT_EQ(serialize(Value(Array{})), "a:0:{}");
  EXPECT_EQ(serialize(Value(array_of({entry("7"s, 1)}))), "a:1:{s:1:\"7\";i:1;}")
      << "a string key stays a string key: only decoding normalises";
  EXPECT_EQ(serialize(Value(Object{"stdClass", {}})), "O:8:\"stdClass\":0:{}");
}

// ---------------------------------------------------------------------------------------------
// Decoding details observed in PHP 8.2.36
// ---------------------------------------------------------------------------------------------

TEST(CodecDecode, AcceptsWhatPhpAccepts) {
  EXPECT_EQ(decode_ok("i:+5;"), Value(5));
  EXPECT_EQ(decode_ok("i:05;"), Value(5));
  EXPECT_EQ(decode_ok("i:-0;"), Value(0));
  EXPECT_EQ(decode_ok("i:99999999999999999999;"), Value(int_max)) << "PHP clamps and warns";
  EXPECT_EQ(decode_ok("i:-9223372036854775809;"), Value(int_min));
  EXPECT_EQ(decode_ok("d:1;"), Value(1.0));
  EXPECT_EQ(decode_ok("d:.5;"), Value(0.5));
  EXPECT_EQ(decode_ok("d:5.;"), Value(5.0));
  EXPECT_EQ(decode_ok("d:+1.5e-3;"), Value(0.0015));
  EXPECT_EQ(decode_ok("d:1.5E+25;"), Value(1.5e25));
  EXPECT_EQ(decode_ok("d:1e999;"), Value(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(decode_ok("d:-1e-400;"), Value(-0.0));
  EXPECT_EQ(decode_ok("d:-0;"), Value(-0.0));
  EXPECT_EQ(decode_ok("d:NAN;"), Value(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(decode_ok("S:3:\"\\61bc\";"), Value("abc"));
  EXPECT_EQ(decode_ok("s:18446744073709551617:\"a\";"), Value("a")) << "PHP's length wraps";
  EXPECT_EQ(decode_ok("a:01:{i:0;i:1;}"), Value(array_of({entry(0, 1)})));
  EXPECT_EQ(decode_ok("a:2:{i:0;i:1;i:0;i:2;}"), Value(array_of({entry(0, 2)})));
}

TEST(CodecDecode, KeysAndObjects) {
  EXPECT_EQ(decode_ok("a:1:{s:1:\"7\";i:1;}"), Value(array_of({entry(7, 1)})));
  EXPECT_EQ(decode_ok("a:1:{s:2:\"07\";i:1;}"), Value(array_of({entry("07"s, 1)})));
  EXPECT_EQ(decode_ok("a:1:{s:2:\"-0\";i:1;}"), Value(array_of({entry("-0"s, 1)})));
  EXPECT_EQ(decode_ok("a:1:{s:20:\"-9223372036854775808\";i:1;}"),
            Value(array_of({entry(int_min, 1)})));
  EXPECT_EQ(decode_ok("a:1:{i:+0;i:1;}"), Value(array_of({entry(0, 1)})));
  EXPECT_EQ(decode_ok("O:8:\"STDCLASS\":0:{}"), Value(Object{"stdClass", {}}));
  EXPECT_EQ(decode_ok("O:8:\"stdClass\"::{}"), Value(Object{"stdClass", {}}));
  EXPECT_EQ(decode_ok("O:8:\"stdClass\":+1:{s:1:\"a\";i:1;}"),
            Value(Object{"stdClass", {entry("a"s, 1)}}));
  EXPECT_EQ(decode_ok("O:8:\"stdClass\":1:{i:5;i:1;}"),
            Value(Object{"stdClass", {entry("5"s, 1)}}));
  EXPECT_EQ(decode_ok("O:1:\"1\":0:{}"), Value(Object{"1", {}}));
  EXPECT_EQ(decode_ok("O:2:\"Pt\":1:{s:1:\"x\";i:1;}"), Value(Object{"Pt", {entry("x"s, 1)}}));
}

TEST(CodecDecode, ErrorOffsetsMatchPhpNotices) {
  // Offsets from `unserialize(): Error at offset X` printed by php8.2-cli for each input.
  const std::pair<std::string, long> cases[] = {
      {"", 0},
      {"x", 0},
      {"i:+-5;", 0},
      {"b:2;", 0},
      {"b:01;", 0},
      {"d:+INF;", 0},
      {"d:-NAN;", 0},
      {"d:.;", 0},
      {"d:0x10;", 0},
      {"n;", 0},
      {"s:1:\"a\"", 7},
      {"s:5:\"ab\";", 2},
      {"s:2:\"ab\"x", 8},
      {"s:-1:\"\";", 0},
      {"a:+1:{i:0;i:1;}", 0},
      {"a:1:{N;i:1;}", 7},
      {"a:1:{d:1;i:1;}", 9},
      {"a:2:{i:0;i:1;}", 13},
      {"a:1:{i:0;i:1;i:1;i:2;}", 13},
      {"a:5:{i:0;i:1;}", 5},
      {"a:1:{s:1:\"a\";i:1}", 13},
      {"a:1:{s:1:\"a\";i:1;", 17},
      {"O:0:\"\":0:{}", 2},
      {"O:1:\"\\\":0:{}", 0},
      {"O:3:\"a b\":0:{}", 0},
      {"O:3:\"Foo\":-1:{}", 12},
      {"O:8:\"stdClass\":", 13},
      {"O:8:\"stdClass\":1", 16},
      {"O:8:\"stdClass\":0:x", 17},
      {"O:8:\"stdClass\"x0:{}", 14},
      {"O:8:\"stdClass\":5:{}", 16},
      {"O:8:\"stdClass\":2:{}xx", 18},
      {"O:8:\"stdClass\":1:{N;i:1;}", 20},
      {"a:1:{i:0;O:3:\"a b\":0:{}}", 9},
      {"a:1:{i:0;O:8:\"stdClass\":0:{}i:1;}", 28},
      {"S:1:\"ab\";", 6},
      {"S:1:\"\\610\";", 8},
      {"S:2:\"\\61", 0},
      {"a:1:{s:1:\"a\";a:1:{i:0;i:1;}", 27},
      {"a:99999999999999999999:{}", 24},
      {"R:1;", 4},
  };
  for (const auto& [input, offset] : cases) {
    EXPECT_EQ(prefix_error_offset(input), offset) << "input: " << input;
  }
}

TEST(CodecDecode, RejectsUnresolvableReferencesSerializableAndEnums) {
  for (const char* input :
       {"a:1:{i:0;R:2;}", "a:1:{i:0;r:1;}", "a:1:{R:1;i:0;}", "O:8:\"stdClass\":1:{s:1:\"a\";r:2;}",
        "C:3:\"Foo\":0:{}", "E:7:\"Foo:Bar\";"}) {
    auto r = unserialize(input);
    ASSERT_TRUE(std::holds_alternative<DecodeError>(r)) << input;
    EXPECT_FALSE(std::get<DecodeError>(r).message.empty());
  }
}

TEST(CodecDecode, TrailingBytes) {
  auto strict = unserialize("b:1;junk");
  ASSERT_TRUE(std::holds_alternative<DecodeError>(strict));
  EXPECT_EQ(std::get<DecodeError>(strict).offset, 4u);
  auto prefix = unserialize_prefix("b:1;junk");
  ASSERT_TRUE((std::holds_alternative<std::pair<Value, std::size_t>>(prefix)));
  EXPECT_EQ((std::get<std::pair<Value, std::size_t>>(prefix).second), 4u);
}

std::string nested_arrays(std::size_t depth, bool empty_innermost) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "a:1:{i:0;";
  s += empty_innermost ? "a:0:{}" : "i:1;";
  for (std::size_t i = 0; i < depth; ++i) s += "}";
  return s;
}

TEST(CodecDecode, DepthIsBounded) {
  EXPECT_EQ(prefix_error_offset(nested_arrays(decode_depth_max, false)), -1);
  const long too_deep = static_cast<long>(9 * decode_depth_max + 5);
  EXPECT_EQ(prefix_error_offset(nested_arrays(decode_depth_max + 1, false)), too_deep);
  // An empty array never enters PHP's depth check.
  EXPECT_EQ(prefix_error_offset(nested_arrays(decode_depth_max, true)), -1);
  // Hostile depth is refused quickly, not by exhausting the stack.
  EXPECT_GE(prefix_error_offset(nested_arrays(200000, false)), 0);
}

TEST(CodecDecode, SessionPhpFormat) {
  auto ok = [](std::string_view in) {
    auto r = decode_session(in, Serializer::php);
    EXPECT_TRUE(std::holds_alternative<Array>(r)) << in;
    return std::holds_alternative<Array>(r) ? std::get<Array>(r) : Array{};
  };
  auto err = [](std::string_view in) {
    auto r = decode_session(in, Serializer::php);
    EXPECT_TRUE(std::holds_alternative<DecodeError>(r)) << in;
    return std::holds_alternative<DecodeError>(r) ? std::get<DecodeError>(r).offset : 0;
  };
  EXPECT_EQ(ok(""), Array{});
  EXPECT_EQ(ok("|i:1;"), array_of({entry(""s, 1)}));
  EXPECT_EQ(ok("7|i:1;"), array_of({entry("7"s, 1)})) << "names are never normalised";
  EXPECT_EQ(ok("a|i:1;a|i:2;"), array_of({entry("a"s, 2)}));
  EXPECT_EQ(ok("a\0b|i:1;"s), array_of({entry("a\0b"s, 1)}));
  EXPECT_EQ(err("foo|i:1;bar"), 8u);
  EXPECT_EQ(err("foo"), 0u);
  EXPECT_EQ(err("foo|i:1;;"), 8u);
  EXPECT_EQ(err("foo|s:3:\"ba"), 6u);
  EXPECT_EQ(err("a|b|i:1;"), 2u);
  EXPECT_EQ(err("foo|"), 4u);
  EXPECT_EQ(err("a:1:{s:1:\"a\";i:1;}"), 0u) << "php reading php_serialize data";
}

TEST(CodecDecode, SessionOtherFormats) {
  using B = Serializer;
  auto arr = [](std::string_view in, Serializer f) { return decode_session(in, f); };
  EXPECT_EQ(std::get<Array>(arr("\x83"
                                "fooi:1;",
                                B::php_binary)),
            array_of({entry("foo"s, 1)}));
  EXPECT_EQ(std::get<Array>(arr("\x80i:1;", B::php_binary)), array_of({entry(""s, 1)}));
  EXPECT_EQ(std::get<Array>(arr("\x01"
                                "7i:1;",
                                B::php_binary)),
            array_of({entry("7"s, 1)}));
  for (std::string bad : {"\x03"
                          "foo"s,
                          "\0"s,
                          "\x01"
                          "ai:1;\0"s,
                          "foo|i:1;"s}) {
    EXPECT_TRUE(std::holds_alternative<DecodeError>(arr(bad, B::php_binary))) << hex(bad);
  }
  EXPECT_EQ(std::get<Array>(arr("a:1:{s:1:\"a\";i:1;}junk", B::php_serialize)),
            array_of({entry("a"s, 1)}))
      << "php_serialize ignores trailing bytes, as PHP does";
  EXPECT_EQ(std::get<Array>(arr("N;", B::php_serialize)), Array{});
  EXPECT_EQ(std::get<Array>(arr("", B::php_serialize)), Array{});
  EXPECT_EQ(std::get<Array>(arr("a:1:{s:1:\"7\";i:1;}", B::php_serialize)),
            array_of({entry(7, 1)}));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(arr("foo|i:1;", B::php_serialize)));
  EXPECT_TRUE(std::holds_alternative<DecodeError>(arr("i:5;", B::php_serialize)));
  EXPECT_EQ(std::get<Value>(decode_session_value("i:5;", B::php_serialize)), Value(5));
}

TEST(CodecDecode, SerializerNames) {
  EXPECT_EQ(parse_serializer("php"), Serializer::php);
  EXPECT_EQ(parse_serializer("PHP_SERIALIZE"), Serializer::php_serialize);
  EXPECT_EQ(parse_serializer("php_binary"), Serializer::php_binary);
  EXPECT_EQ(parse_serializer("bogus"), std::nullopt);
  for (Serializer f : all_formats) EXPECT_EQ(parse_serializer(serializer_name(f)), f);
}

// ---------------------------------------------------------------------------------------------
// Round trips and robustness
// ---------------------------------------------------------------------------------------------

TEST(CodecRoundTrip, GeneratedValues) {
  ASSERT_GE(generated_values().size(), 300u);
  for (const Value& v : generated_values()) {
    const std::string bytes = serialize(v);
    auto back = unserialize(bytes);
    ASSERT_TRUE(std::holds_alternative<Value>(back)) << hex(bytes);
    EXPECT_EQ(std::get<Value>(back), v) << show(v);
    EXPECT_EQ(serialize(std::get<Value>(back)), bytes);
  }
}

/// What decode(encode(s)) must give: the entries the encoder kept, names as string keys.
Array expected_after_session_round_trip(const Array& s, Serializer f) {
  if (f == Serializer::php_serialize) return s;
  Array out;
  for (const auto& e : s.items) {
    if (std::holds_alternative<std::int64_t>(e.key)) continue;
    if (f == Serializer::php_binary && std::get<std::string>(e.key).size() > 127) continue;
    out.set(e.key, e.value);
  }
  return out;
}

TEST(CodecRoundTrip, GeneratedSessions) {
  for (const Array& s : generated_sessions()) {
    for (Serializer f : all_formats) {
      const EncodeResult enc = encode_session(s, f);
      if (enc.failed) continue;
      auto back = decode_session(enc.bytes, f);
      ASSERT_TRUE(std::holds_alternative<Array>(back)) << hex(enc.bytes);
      EXPECT_EQ(std::get<Array>(back), expected_after_session_round_trip(s, f));
      EXPECT_EQ(encode_session(std::get<Array>(back), f).bytes, enc.bytes);
    }
  }
}

TEST(CodecRoundTrip, EveryTruncationFails) {
  std::vector<std::string> encodings;
  for (std::size_t i = 0; i < 60; ++i) encodings.push_back(serialize(generated_values()[i]));
  encodings.push_back(serialize(Value(golden_session())));
  for (const std::string& full : encodings) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      const std::string_view cut(full.data(), n);
      auto r = unserialize(cut);
      ASSERT_TRUE(std::holds_alternative<DecodeError>(r)) << hex(cut);
      EXPECT_LE(std::get<DecodeError>(r).offset, n);
    }
  }
  for (Serializer f : all_formats) {
    const std::string full = encode_session(golden_session(), f).bytes;
    for (std::size_t n = 0; n < full.size(); ++n) {
      auto r = decode_session(std::string_view(full.data(), n), f);
      if (auto* err = std::get_if<DecodeError>(&r)) {
        EXPECT_LE(err->offset, n);
      }
    }
  }
}

TEST(CodecRoundTrip, RandomBytesNeverCrash) {
  Rng rng(99);
  const std::string alphabet = "0123456789:;\"{}-+.aidbsNOSxeE|\x01\x7f\x80";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (std::size_t n = rng.below(40); n > 0; --n) s += alphabet[rng.below(alphabet.size())];
    auto r = unserialize_prefix(s);
    if (auto* err = std::get_if<DecodeError>(&r)) {
      EXPECT_LE(err->offset, s.size());
    }
    for (Serializer f : all_formats) {
      auto d = decode_session(s, f);
      if (auto* err = std::get_if<DecodeError>(&d)) {
        EXPECT_LE(err->offset, s.size());
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Byte-for-byte comparison with php8.2-cli
// ---------------------------------------------------------------------------------------------

/// PHP output for the encode script: "V hex" per value, "U hex" per value re-read from our
/// bytes, "E fmt hex|FALSE skipped,keys" per session and format.
struct EncodeRun {
  std::vector<std::string> values;
  std::vector<std::string> reread;
  std::vector<std::string> sessions;
};

std::string encode_script() {
  std::ostringstream php;
  php << php_prelude() << php_classes() << "$values = [];\n";
  for (const Value& v : generated_values()) php << "$values[] = " << php_lit(v) << ";\n";
  php << "$ours = [];\n";
  for (const Value& v : generated_values()) php << "$ours[] = '" << hex(serialize(v)) << "';\n";
  php << "$sessions = [];\n";
  for (const Array& s : generated_sessions()) php << "$sessions[] = " << php_lit(s) << ";\n";
  php << R"PHP(
$out = [];
foreach ($values as $v) { $out[] = 'V ' . bin2hex(serialize($v)); }
foreach ($ours as $h) { $out[] = 'U ' . bin2hex(serialize(unserialize(hex2bin($h)))); }
foreach (['php', 'php_binary', 'php_serialize'] as $fmt) {
  ini_set('session.serialize_handler', $fmt);
  session_start();
  foreach ($sessions as $s) {
    $_SESSION = $s;
    $GLOBALS['warnings'] = [];
    $e = session_encode();
    $skipped = [];
    foreach ($GLOBALS['warnings'] as $w) {
      $skipped[] = preg_match('/Skipping numeric key (-?\d+)/', $w, $m) ? $m[1] : "?$w";
    }
    $out[] = "E $fmt " . ($e === false ? 'FALSE' : bin2hex($e)) . ' ' . implode(',', $skipped);
  }
  $_SESSION = [];
  session_abort();
}
ob_end_clean();
echo implode("\n", $out), "\n";
)PHP";
  return php.str();
}

const EncodeRun& encode_run() {
  static const EncodeRun run = [] {
    EncodeRun r;
    for (const std::string& line : run_php(encode_script())) {
      if (line.starts_with("V ")) r.values.push_back(line.substr(2));
      if (line.starts_with("U ")) r.reread.push_back(line.substr(2));
      if (line.starts_with("E ")) r.sessions.push_back(line.substr(2));
    }
    return r;
  }();
  return run;
}

TEST(CodecPhp, SerializeMatchesPhpLiterals) {
  REQUIRE_PHP();
  const auto& values = generated_values();
  ASSERT_EQ(encode_run().values.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(hex(serialize(values[i])), encode_run().values[i])
        << "value " << i << ": " << show(values[i]);
  }
}

TEST(CodecPhp, PhpRereadsOurBytesIdentically) {
  REQUIRE_PHP();
  const auto& values = generated_values();
  ASSERT_EQ(encode_run().reread.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(hex(serialize(values[i])), encode_run().reread[i]) << "value " << i;
  }
}

std::string expected_session_line(const Array& s, Serializer f) {
  const EncodeResult r = encode_session(s, f);
  std::string skipped;
  for (std::int64_t k : r.skipped_numeric_keys) {
    skipped += (skipped.empty() ? "" : ",") + std::to_string(k);
  }
  const std::string bytes = r.bytes.empty() ? "FALSE" : hex(r.bytes);
  return std::string(serializer_name(f)) + " " + bytes + " " + skipped;
}

TEST(CodecPhp, SessionEncodeMatchesPhp) {
  REQUIRE_PHP();
  const auto& sessions = generated_sessions();
  ASSERT_EQ(encode_run().sessions.size(), 3 * sessions.size());
  std::size_t line = 0;
  for (Serializer f : all_formats) {
    for (const Array& s : sessions) {
      EXPECT_EQ(expected_session_line(s, f), encode_run().sessions[line++]) << show(Value(s));
    }
  }
}

TEST(CodecPhp, FloatsMatchPhp) {
  REQUIRE_PHP();
  Rng rng(4242);
  std::vector<double> floats = edge_floats();
  while (floats.size() < 3000) floats.push_back(gen_float(rng));
  std::ostringstream php;
  php << php_prelude() << "$out = [];\n";
  for (double d : floats) {
    php << "$out[] = bin2hex(serialize(" << php_lit(Value(d)) << "));\n";
  }
  php << "ob_end_clean();\necho implode(\"\\n\", $out), \"\\n\";\n";
  const auto lines = run_php(php.str());
  ASSERT_EQ(lines.size(), floats.size());
  for (std::size_t i = 0; i < floats.size(); ++i) {
    EXPECT_EQ(hex(serialize(Value(floats[i]))), lines[i]) << php_lit(Value(floats[i]));
  }
}

/// Inputs for the differential decoders: valid encodings, their prefixes, byte mutations
/// (never introducing R, r, C or E, whose handling differs by design), and hand-picked cases.
std::vector<std::string> mutate_all(const std::vector<std::string>& seeds, std::uint64_t seed,
                                    std::size_t count) {
  const std::string alphabet = "0123456789:;\"{}-+.aidbsNOSxeE|\x01\x83";
  Rng rng(seed);
  std::vector<std::string> out;
  while (out.size() < count) {
    std::string s = seeds[rng.below(seeds.size())];
    if (s.empty()) continue;
    for (std::size_t n = 1 + rng.below(2); n > 0; --n) {
      const std::size_t at = rng.below(s.size());
      switch (rng.below(3)) {
        case 0: s[at] = alphabet[rng.below(alphabet.size())]; break;
        case 1: s.erase(at, 1); break;
        default: s.insert(at, 1, alphabet[rng.below(alphabet.size())]);
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

/// Token-level cases: every byte as a class-name character, numeric-looking array keys, and the
/// edges of the i:, d: and s: grammars.
std::vector<std::string> systematic_cases() {
  std::vector<std::string> out;
  for (int b = 0; b < 256; ++b) {
    const std::string c(1, static_cast<char>(b));
    out.push_back("O:1:\"" + c + "\":0:{}");
    out.push_back("O:2:\"a" + c + "\":0:{}");
  }
  for (const char* k : {"7", "07", "-0", "0", "00", "-1", " 7", "+7", "7 ", "-9223372036854775808",
                        "9223372036854775807", "9223372036854775808", "-9223372036854775809"}) {
    const std::string key = k;
    out.push_back("a:1:{s:" + std::to_string(key.size()) + ":\"" + key + "\";i:1;}");
    out.push_back("O:8:\"stdClass\":1:{s:" + std::to_string(key.size()) + ":\"" + key + "\";N;}");
  }
  for (const char* t : {"+5", "05", "-0", "+-5", "99999999999999999999", "-9223372036854775809",
                        "9223372036854775808", "00000000000000000000000000001", "", "-", "1.0"}) {
    out.push_back("i:"s + t + ";");
    out.push_back("a:1:{i:"s + t + ";i:1;}");
  }
  for (const char* t : {".5",
                        "5.",
                        "+.5",
                        "-5.e3",
                        "1e+5",
                        "1E-5",
                        "--1",
                        "1e",
                        "e5",
                        ".",
                        "+",
                        "0x1",
                        "1e309",
                        "-1e-400",
                        "4.9e-324",
                        "2.4703282292062328e-324",
                        "2.4703282292062327e-324",
                        "1e99999999999999999999",
                        "0e99999999",
                        "-0.0",
                        "00001.5000",
                        "INF",
                        "-INF",
                        "+INF",
                        "NAN",
                        "-NAN",
                        "inf",
                        "1.",
                        "123456789012345678901234567890",
                        "0.000000000000000000000000000001"}) {
    out.push_back("d:"s + t + ";");
  }
  for (const char* t :
       {"s:18446744073709551617:\"a\";", "s:18446744073709551616:\"\";", "s:0:\"\";", "s:00:\"\";",
        "s:1:\"\"\";", "s:1:\"a\"", "s:1:\"a\":", "S:2:\"\\4a\\4B\";", "S:1:\"\\4g\";", "S:1:\"\\",
        "b:1", "N", "a:0:{", "a:0:{}}", "a:1:{}", "O:8:\"stdClass\":0:{}", "a:1:{a:0:{}i:1;}",
        "a:1:{O:8:\"stdClass\":0:{}i:1;}", "a:1:{S:1:\"\\37\";i:1;}"}) {
    out.emplace_back(t);
  }
  return out;
}

std::vector<std::string> unserialize_corpus() {
  std::vector<std::string> seeds;
  for (std::size_t i = 0; i < 120; ++i) {
    // Pt and Sub are not declared in the decode script, so PHP reads them as
    // __PHP_Incomplete_Class, which is exactly how the model reads every class but stdClass.
    const std::string bytes = serialize(generated_values()[i]);
    if (bytes.size() < 400) seeds.push_back(bytes);
  }
  std::vector<std::string> corpus = seeds;
  for (const std::string& s : std::vector<std::string>(seeds.begin(), seeds.begin() + 25)) {
    for (std::size_t n = 0; n < s.size(); ++n) corpus.push_back(s.substr(0, n));
  }
  for (auto& m : mutate_all(seeds, 5, 3000)) corpus.push_back(std::move(m));
  for (const char* s :
       {"i:+5;", "d:5.e3;", "d:1e;", "s:18446744073709551616:\"\";", "O:2:\"Pt\":0:{}",
        "O:8:\"stdClass\":-0:{}", "O:8:\"stdclass\":0:{}", "a:4:{i:0;i:1;}",
        "O:8:\"stdClass\":1:{s:0:\"\";i:1;}", "S:1:\"\\6\";", "i:1;i:2;"}) {
    corpus.emplace_back(s);
  }
  for (const std::string& c : systematic_cases()) corpus.push_back(c);
  for (std::size_t d : {decode_depth_max - 1, decode_depth_max, decode_depth_max + 1}) {
    corpus.push_back(nested_arrays(d, false));
    corpus.push_back(nested_arrays(d, true));
    std::string objects;
    for (std::size_t i = 0; i < d; ++i) objects += "O:8:\"stdClass\":1:{s:1:\"a\";";
    objects += "O:8:\"stdClass\":0:{}" + std::string(d, '}');
    corpus.push_back(objects);
  }
  return corpus;
}

/// Our answer in the decode script's notation: "OK <hex of serialize>" or "ERR <offset>".
std::string our_unserialize_line(const std::string& input) {
  auto r = unserialize_prefix(input);
  if (auto* err = std::get_if<DecodeError>(&r)) return "ERR " + std::to_string(err->offset);
  return "OK " + hex(serialize(std::get<std::pair<Value, std::size_t>>(r).first));
}

TEST(CodecPhp, UnserializeMatchesPhpIncludingErrorOffsets) {
  REQUIRE_PHP();
  const std::vector<std::string> corpus = unserialize_corpus();
  std::ostringstream php;
  php << php_prelude() << "$in = [];\n";
  for (const std::string& s : corpus) php << "$in[] = '" << hex(s) << "';\n";
  php << R"PHP(
$out = [];
foreach ($in as $h) {
  $s = hex2bin($h);
  $GLOBALS['warnings'] = [];
  try { $r = unserialize($s); } catch (Throwable $e) { $r = false; $GLOBALS['warnings'][] = 'EXC'; }
  $off = null;
  foreach ($GLOBALS['warnings'] as $w) {
    if (preg_match('/Error at offset (\d+) of/', $w, $m)) { $off = $m[1]; }
    if ($w === 'EXC') { $off = 'EXC'; }
  }
  if ($off === null && $r === false && strncmp($s, 'b:0;', 4) !== 0) { $off = '0'; }
  $out[] = $off !== null ? "ERR $off" : 'OK ' . bin2hex(serialize($r));
}
ob_end_clean();
echo implode("\n", $out), "\n";
)PHP";
  const auto lines = run_php(php.str());
  ASSERT_EQ(lines.size(), corpus.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const std::string ours = our_unserialize_line(corpus[i]);
    if (ours != lines[i] && ++mismatches <= 20) {
      ADD_FAILURE() << "input " << hex(corpus[i]) << "\n  php:  " << lines[i]
                    << "\n  ours: " << ours;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << corpus.size() << " inputs";
}

std::vector<std::pair<Serializer, std::string>> session_decode_corpus() {
  std::vector<std::pair<Serializer, std::string>> corpus;
  std::vector<std::string> encoded[3];
  for (std::size_t i = 0; i < generated_sessions().size(); ++i) {
    const Array& s = generated_sessions()[i];
    for (std::size_t f = 0; f < 3; ++f) {
      const EncodeResult r = encode_session(s, all_formats[f]);
      if (!r.failed) encoded[f].push_back(r.bytes);
    }
  }
  for (std::size_t f = 0; f < 3; ++f) {
    std::vector<std::string> inputs = encoded[f];
    for (std::size_t g = 0; g < 3; ++g) {
      for (std::size_t i = 0; i < 10 && i < encoded[g].size(); ++i) inputs.push_back(encoded[g][i]);
    }
    for (auto& m : mutate_all(encoded[f], 11 + f, 700)) inputs.push_back(std::move(m));
    for (std::size_t i = 0; i < 8 && i < encoded[f].size(); ++i) {
      for (std::size_t n = 0; n < encoded[f][i].size(); ++n) {
        inputs.push_back(encoded[f][i].substr(0, n));
      }
    }
    for (auto& in : inputs) corpus.emplace_back(all_formats[f], std::move(in));
  }
  for (const char* s : {"foo|i:1;bar", "foo", "|i:1;", "7|i:1;", "foo|i:1;;", "x|i:1;|i:2;"}) {
    corpus.emplace_back(Serializer::php, s);
  }
  for (const char* s : {"a:1:{s:1:\"a\";i:1;}junk", "i:5;", "N;", "b:0;", "s:1:\"a\";",
                        "O:8:\"stdClass\":1:{s:1:\"a\";i:1;}"}) {
    corpus.emplace_back(Serializer::php_serialize, s);
  }
  for (std::string s : {"\x83"
                        "fooi:1;"s,
                        "\x80i:1;"s, "\0"s,
                        "\x01"
                        "ai:1;\0"s,
                        "\x03"
                        "fo"s}) {
    corpus.emplace_back(Serializer::php_binary, s);
  }
  return corpus;
}

std::string our_session_decode_line(Serializer f, const std::string& input) {
  auto r = decode_session_value(input, f);
  if (std::holds_alternative<DecodeError>(r)) return "FAIL";
  return "OK " + hex(serialize(std::get<Value>(r)));
}

std::string session_decode_script(const std::vector<std::pair<Serializer, std::string>>& corpus) {
  std::ostringstream php;
  php << php_prelude() << "$in = [];\n";
  for (const auto& [f, s] : corpus) {
    php << "$in[] = ['" << serializer_name(f) << "', '" << hex(s) << "'];\n";
  }
  php << R"PHP(
$out = [];
$current = '';
foreach ($in as [$fmt, $h]) {
  if ($fmt !== $current) { ini_set('session.serialize_handler', $fmt); $current = $fmt; }
  session_start();
  $_SESSION = [];
  if (session_decode(hex2bin($h))) {
    $out[] = 'OK ' . bin2hex(serialize($_SESSION));
    session_abort();
  } else {
    $out[] = 'FAIL';
    if (session_status() === PHP_SESSION_ACTIVE) { session_abort(); }
  }
}
ob_end_clean();
echo implode("\n", $out), "\n";
)PHP";
  return php.str();
}

TEST(CodecPhp, SessionDecodeMatchesPhp) {
  REQUIRE_PHP();
  const auto corpus = session_decode_corpus();
  const auto lines = run_php(session_decode_script(corpus));
  ASSERT_EQ(lines.size(), corpus.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const auto& [f, input] = corpus[i];
    const std::string ours = our_session_decode_line(f, input);
    if (ours != lines[i] && ++mismatches <= 20) {
      ADD_FAILURE() << serializer_name(f) << " input " << hex(input) << "\n  php:  " << lines[i]
                    << "\n  ours: " << ours;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << corpus.size() << " inputs";
}

// ---------------------------------------------------------------------------------------------
// D21: references and PHP's depth limit (issue #14)
// ---------------------------------------------------------------------------------------------

/// Sessions with references that php8.2 decodes, and some it refuses, in the php format.
const std::vector<std::string>& reference_sessions() {
  static const std::vector<std::string> inputs = {
      "k|a:1:{i:0;R:1;}",
      "k|a:1:{i:0;r:1;}",
      "k|i:5;j|R:1;",
      "k|i:5;j|R:2;",
      "k|i:5;j|r:1;",
      "k|R:1;",
      "k|a:2:{i:0;i:1;i:1;R:2;}",
      "k|O:8:\"stdClass\":1:{s:1:\"a\";r:1;}",
      "k|O:8:\"stdClass\":1:{s:1:\"a\";R:1;}",
      "k|a:1:{i:0;R:2;}",
      "k|a:1:{i:0;R:0;}",
      "k|a:1:{i:0;i:7;}j|R:2;",
      "k|O:8:\"stdClass\":0:{}j|r:1;",
      "k|O:8:\"stdClass\":0:{}j|R:1;",
      "k|O:8:\"stdClass\":0:{}j|a:2:{i:0;r:1;i:1;R:1;}",
      "k|a:1:{R:1;i:0;}",
      "a|a:2:{i:0;O:8:\"stdClass\":0:{}i:1;r:2;}b|r:3;c|R:3;",
      "k|i:1;j|r:2;",
      "k|s:1:\"x\";j|R:1;l|R:1;",
  };
  return inputs;
}

TEST(CodecDecode, D21_SessionsWithReferencesDecodeAndEncodeBack) {
  // PHP decodes these (checked against php8.2 in CodecPhp.D21_*); the model used to refuse them.
  for (const std::string input :
       {"k|a:1:{i:0;R:1;}", "k|i:5;j|R:1;", "k|O:8:\"stdClass\":0:{}j|r:1;"}) {
    auto decoded = decode_session(input, Serializer::php);
    ASSERT_TRUE(std::holds_alternative<Array>(decoded))
        << input << ": " << std::get<DecodeError>(decoded).message;
    const EncodeResult again = encode_session(std::get<Array>(decoded), Serializer::php);
    EXPECT_EQ(again.bytes, input);
  }
  // The leaf names its target as serialize() of the whole session counts: the array is 1.
  auto two = std::get<Array>(decode_session("k|i:5;j|R:1;", Serializer::php));
  EXPECT_EQ(*two.find("j"s), Value(Reference{false, 2}));
  EXPECT_EQ(serialize(Value(two)), "a:2:{s:1:\"k\";i:5;s:1:\"j\";R:2;}");
  EXPECT_EQ(show(Value(two)), "['k' => 5, 'j' => &R:2]");
  // php_serialize is one unserialize(): no shift.
  auto whole = decode_session("a:2:{i:0;i:1;i:1;R:2;}", Serializer::php_serialize);
  ASSERT_TRUE(std::holds_alternative<Array>(whole));
  EXPECT_EQ(encode_session(std::get<Array>(whole), Serializer::php_serialize).bytes,
            "a:2:{i:0;i:1;i:1;R:2;}");
}

TEST(CodecPhp, D21_ReferencesDecodeAndEncodeAsPhpDoes) {
  REQUIRE_PHP();
  std::ostringstream php;
  php << php_prelude() << "$in = [];\n";
  for (const std::string& s : reference_sessions()) php << "$in[] = '" << hex(s) << "';\n";
  php << R"PHP(
$out = [];
foreach ($in as $h) {
  session_start();
  $_SESSION = [];
  if (session_decode(hex2bin($h))) {
    $out[] = 'OK ' . bin2hex(session_encode()) . ' ' . bin2hex(serialize($_SESSION));
    session_abort();
  } else {
    $out[] = 'FAIL';
    if (session_status() === PHP_SESSION_ACTIVE) { session_abort(); }
  }
}
ob_end_clean();
echo implode("\n", $out), "\n";
)PHP";
  const auto lines = run_php(php.str());
  ASSERT_EQ(lines.size(), reference_sessions().size());
  std::size_t accepted = 0;
  std::size_t canonical = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& input = reference_sessions()[i];
    auto decoded = decode_session(input, Serializer::php);
    std::string ours = "FAIL";
    if (const auto* a = std::get_if<Array>(&decoded)) {
      ours =
          "OK " + hex(encode_session(*a, Serializer::php).bytes) + " " + hex(serialize(Value(*a)));
      ++accepted;
    }
    // What PHP wrote itself comes back byte for byte. Hand-made input that PHP would number
    // differently (a reference to an r: slot) keeps its numbers in the model, a documented
    // departure (model/codec.cpp): there only the verdict has to agree.
    if (lines[i].rfind("OK " + hex(input) + " ", 0) == 0 || lines[i] == "FAIL") {
      ++canonical;
      EXPECT_EQ(ours, lines[i]) << "input " << input;
    } else {
      EXPECT_EQ(ours.substr(0, 3), "OK ") << "PHP decodes " << input;
    }
  }
  EXPECT_GE(accepted, 10u) << "most of the corpus holds references PHP resolves";
  EXPECT_GE(canonical, lines.size() - 1) << "the corpus is mostly what PHP writes or refuses";
}

// codec_fuzz found it: a repeated name replaces the value a later R: names, and PHP (which
// encodes "|i:1;" here) numbers afresh; the tree kept "R:2", which encoded to a session that no
// longer decodes. Such a session is refused; references without a replaced target still work.
TEST(CodecDecode, ReferenceIntoAReplacedNameIsRefusedNotReencodedWrongly) {
  for (const auto f : {Serializer::php, Serializer::php_binary}) {
    const std::string repeated =
        f == Serializer::php ? "|i:1;|i:1;|R:2;"s : "\x00i:1;\x00i:1;\x00R:2;"s;
    EXPECT_TRUE(std::holds_alternative<DecodeError>(decode_session(repeated, f)))
        << serializer_name(f);
  }
  const auto kept = decode_session("a|i:1;b|R:1;", Serializer::php);
  ASSERT_TRUE(std::holds_alternative<Array>(kept));
  EXPECT_EQ(encode_session(std::get<Array>(kept), Serializer::php).bytes, "a|i:1;b|R:1;");
}

TEST(CodecDecode, D21_DepthLimitIsPhpsDefault) {
  EXPECT_EQ(decode_depth_max, 4096u) << "PHP's unserialize_max_depth default";
  // 65 levels, which the model refused when its limit was 64, decode in PHP and here.
  std::string session = "k|" + nested_arrays(65, false);
  EXPECT_TRUE(std::holds_alternative<Array>(decode_session(session, Serializer::php)));
  EXPECT_EQ(prefix_error_offset(nested_arrays(decode_depth_max, false)), -1);
  EXPECT_GE(prefix_error_offset(nested_arrays(decode_depth_max + 1, false)), 0);
}

/// Runs `fn` on a thread whose stack is `stack_bytes`; false when the thread cannot be made.
/// Overflowing the stack crashes the test (a guard page), which is the failure this detects.
template <class Fn>
bool run_with_stack(std::size_t stack_bytes, Fn fn) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_attr_setstacksize(&attr, stack_bytes);
  pthread_t thread;
  auto trampoline = [](void* arg) -> void* {
    (*static_cast<Fn*>(arg))();
    return nullptr;
  };
  const bool made = pthread_create(&thread, &attr, trampoline, &fn) == 0;
  pthread_attr_destroy(&attr);
  if (made) pthread_join(thread, nullptr);
  return made;
}

/// The stack a value of decode_depth_max levels may use to decode, encode, copy, compare, show
/// and destroy (measured: 1 MiB, 3 MiB under ASan; only decoding recurses). Sanitizers make
/// frames several times larger; a main thread has 8 MiB.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t deep_value_stack_bytes = std::size_t{6} << 20;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr std::size_t deep_value_stack_bytes = std::size_t{6} << 20;
#else
constexpr std::size_t deep_value_stack_bytes = std::size_t{2} << 20;
#endif
#else
constexpr std::size_t deep_value_stack_bytes = std::size_t{2} << 20;
#endif

TEST(CodecDecode, D21_DeepestLegalValueFitsTheStackBudget) {
  std::string objects;
  for (std::size_t i = 1; i < decode_depth_max; ++i) objects += "O:8:\"stdClass\":1:{s:1:\"a\";";
  objects += "a:1:{i:0;R:1;}" + std::string(decode_depth_max - 1, '}');
  const std::string arrays = nested_arrays(decode_depth_max, false);
  std::size_t decoded = 0;
  ASSERT_TRUE(run_with_stack(deep_value_stack_bytes, [&] {
    for (const std::string* input : {&arrays, static_cast<const std::string*>(&objects)}) {
      auto r = unserialize(*input);
      if (!std::holds_alternative<Value>(r)) continue;
      Value copy = std::get<Value>(r);
      Value assigned;
      assigned = copy;
      if (serialize(copy) == *input && copy == std::get<Value>(r) && assigned == copy &&
          !show(copy).empty()) {
        ++decoded;
      }
    }
  }));
  EXPECT_EQ(decoded, 2u) << "both " << decode_depth_max << "-level values round trip within "
                         << (deep_value_stack_bytes >> 20) << " MiB of stack";
}

}  // namespace
