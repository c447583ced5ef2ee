#include "model/codec.hpp"

// PHP 8.2's serialize()/unserialize() and session serialisers, reproduced byte for byte.
//
// The decoder mirrors ext/standard/var_unserializer.re rule by rule, including where PHP leaves
// its cursor when a rule fails, so that DecodeError::offset equals the offset of PHP's
// "unserialize(): Error at offset X" notice. PHP reads its input as a NUL-terminated buffer; the
// parser below reads through at(), which returns 0 past the end, so that the same patterns fail
// in the same places while no byte outside the input is ever touched.
//
// Every choice below was checked against php8.2-cli 8.2.36 (`php -n`). Deliberate departures:
// * References (R:, r:) are accepted exactly where PHP accepts them (R: to any variable already
//   read, r: to one holding an object; PHP numbers every value but R: slots, across the names of
//   a session) and are held as Reference leaves naming their target's number, so a session PHP
//   stored with references decodes and encodes back byte for byte. The tree does not alias the
//   two slots: a script that changes one side of a reference, or adds or removes values before
//   its target, leaves the number as it was where PHP would follow the alias and renumber; and
//   hand-made input that PHP itself would number differently on output (an R: naming an r:
//   slot) keeps its numbers.
// * Serializable objects (C:) and enums (E:) are rejected. PHP accepts C: payloads of undeclared
//   classes; the value tree has no way to hold them.
// * Objects are decoded as PHP decodes undeclared classes (__PHP_Incomplete_Class keeps the name
//   and the properties in order). Only stdClass is known: its name is matched case-insensitively
//   and written back as "stdClass", as PHP does. Built-in classes with custom unserialisers
//   (ArrayObject, DateTime, ...) are not modelled.
// * Nesting is bounded by decode_depth_max, which behaves exactly like PHP's
//   unserialize_max_depth at its default, 4096. Decoding recurses once per level, at about 250
//   bytes of stack a level (1 MiB for the deepest legal value, 3 MiB under ASan); encoding, and
//   copying, comparing, showing and destroying values (value.cpp), walk the tree with explicit
//   stacks. CodecDecode.D21_DeepestLegalValueFitsTheStackBudget holds these figures to 2 MiB
//   (6 MiB under sanitizers).

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <system_error>
#include <unordered_map>
#include <utility>

namespace ss::model {

std::optional<Serializer> parse_serializer(std::string_view name) {
  // PHP finds serialisers with strcasecmp(), so "PHP_SERIALIZE" is accepted too.
  auto iequals = [&](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != want[i]) return false;
    }
    return true;
  };
  if (iequals("php")) return Serializer::php;
  if (iequals("php_serialize")) return Serializer::php_serialize;
  if (iequals("php_binary")) return Serializer::php_binary;
  return std::nullopt;
}

std::string_view serializer_name(Serializer s) {
  switch (s) {
    case Serializer::php: return "php";
    case Serializer::php_serialize: return "php_serialize";
    case Serializer::php_binary: return "php_binary";
  }
  return "php";
}

namespace {

// ---------------------------------------------------------------------------------------------
// serialize()
// ---------------------------------------------------------------------------------------------

/// PHP prints doubles with php_gcvt(value, 17, '.', 'E') over zend_dtoa mode 0 (shortest digits
/// that round-trip) when serialize_precision is -1. std::to_chars gives the same shortest digits;
/// the layout rules below are php_gcvt's: exponent form when the decimal exponent is above 17 or
/// below -3, a ".0" after a lone mantissa digit, and no zero padding in the exponent.
void append_double(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NAN";  // PHP never prints a sign on NAN.
    return;
  }
  if (std::isinf(d)) {
    out += d < 0 ? "-INF" : "INF";
    return;
  }
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  if (!sci.empty() && sci.front() == '-') {
    out += '-';  // -0.0 keeps its sign: PHP prints "d:-0;".
    sci.remove_prefix(1);
  }
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, epos)) {
    if (c != '.') digits += c;
  }
  std::string_view exp_text = sci.substr(epos + 1);
  const bool exp_neg = !exp_text.empty() && exp_text.front() == '-';
  if (!exp_text.empty() && (exp_text.front() == '-' || exp_text.front() == '+')) {
    exp_text.remove_prefix(1);
  }
  int exp10 = 0;
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);
  const int decpt = (exp_neg ? -exp10 : exp10) + 1;  // dtoa's position of the decimal point
  const auto ndigits = static_cast<int>(digits.size());

  if (decpt < 0 ? decpt < -3 : decpt > 17) {
    out += digits[0];
    out += '.';
    out += ndigits == 1 ? std::string("0") : digits.substr(1);
    const int e = decpt - 1;
    out += 'E';
    out += e < 0 ? '-' : '+';
    out += std::to_string(e < 0 ? -e : e);
  } else if (decpt < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else {
    for (int i = 0; i < decpt; ++i) out += i < ndigits ? digits[static_cast<std::size_t>(i)] : '0';
    if (ndigits > decpt) {
      if (decpt == 0) out += '0';
      out += '.';
      out += digits.substr(static_cast<std::size_t>(decpt));
    }
  }
}

void append_string(std::string& out, std::string_view s) {
  out += "s:";
  out += std::to_string(s.size());
  out += ":\"";
  out += s;
  out += "\";";
}

void append_key(std::string& out, const Key& key) {
  if (const auto* i = std::get_if<std::int64_t>(&key)) {
    out += "i:";
    out += std::to_string(*i);
    out += ';';
  } else {
    append_string(out, std::get<std::string>(key));
  }
}

/// One value, or the `a:n:{` / `O:...:n:{` opening of an array or object whose entries the
/// caller writes. `shift` is 1 when encoding the names of a session (php, php_binary), where
/// the session array itself is not a variable, and 0 for serialize(): Reference targets count it
/// (see value.hpp).
void serialize_shallow(std::string& out, const Value& value, std::uint64_t shift) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "N;";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "b:1;" : "b:0;";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += "i:";
          out += std::to_string(x);
          out += ';';
        } else if constexpr (std::is_same_v<T, double>) {
          out += "d:";
          append_double(out, x);
          out += ';';
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_string(out, x);
        } else if constexpr (std::is_same_v<T, Array>) {
          out += "a:";
          out += std::to_string(x.items.size());
          out += ":{";
        } else if constexpr (std::is_same_v<T, Reference>) {
          out += x.object_handle ? "r:" : "R:";
          out += std::to_string(x.target - shift);
          out += ';';
        } else {
          out += "O:";
          out += std::to_string(x.class_name.size());
          out += ":\"";
          out += x.class_name;
          out += "\":";
          out += std::to_string(x.props.size());
          out += ":{";
        }
      },
      value.v);
}

/// serialize() of `root`, with an explicit stack rather than recursion: values nest up to
/// decode_depth_max levels (see value.cpp). PHP writes an integer key as i: in arrays and
/// objects alike.
void serialize_into(std::string& out, const Value& root, std::uint64_t shift) {
  struct Frame {
    const std::vector<Entry>* entries;
    std::size_t next = 0;
  };
  std::vector<Frame> pending;
  const Value* v = &root;
  while (v != nullptr) {
    serialize_shallow(out, *v, shift);
    if (const auto* entries = entries_of(*v)) pending.push_back({entries});
    v = nullptr;
    while (!pending.empty() && v == nullptr) {
      Frame& f = pending.back();
      if (f.next == f.entries->size()) {
        out += '}';
        pending.pop_back();
        continue;
      }
      const Entry& e = (*f.entries)[f.next++];
      append_key(out, e.key);
      v = &e.value;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// unserialize()
// ---------------------------------------------------------------------------------------------

/// PHP's HT_MAX_SIZE on 64-bit builds: the most elements a hash table may be asked to hold.
constexpr std::int64_t ht_max_size = 0x40000000;

/// Where a value is being parsed. PHP parses array keys and property names with a NULL var_hash,
/// which makes the a: and O: rules fail; `key` reproduces that.
enum class Slot { value, key };

/// Builds an ordered entry list with PHP's hash semantics (a repeated key replaces the value in
/// place) in linear time, so that hostile input with many duplicates cannot go quadratic.
class EntryBuilder {
 public:
  explicit EntryBuilder(std::vector<Entry>& items) : items_(items) {}
  void set(Key key, Value value) {
    const auto [it, inserted] = index_.try_emplace(key, items_.size());
    if (inserted) {
      items_.push_back(Entry{std::move(key), std::move(value)});
    } else {
      items_[it->second].value = std::move(value);
    }
  }
  /// set() in two steps, for a parser that reads the value after the key.
  void set_key(Key key) { pending_ = std::move(key); }
  [[gnu::noinline]] void set_value(Value&& value) { set(std::move(pending_), std::move(value)); }

 private:
  std::vector<Entry>& items_;
  std::unordered_map<Key, std::size_t> index_;
  Key pending_;
};

struct ParsedInt {
  std::int64_t value = 0;
  std::size_t end = 0;
};

bool is_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// zend_is_valid_class_name() plus the unserializer's own checks: a name is made of
/// [0-9A-Za-z_\\] and bytes >= 0x80, and must not start with '\\' (a leading digit is accepted).
bool valid_class_name(std::string_view name) {
  if (name.empty() || name.front() == '\\') return false;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
                    c == '\\' || c >= 0x80;
    if (!ok) return false;
  }
  return true;
}

/// PHP looks classes up case-insensitively and then uses the declared spelling. stdClass is the
/// only class the model knows, so it is the only name that gets re-spelt.
std::string canonical_class_name(std::string_view name) {
  constexpr std::string_view std_class = "stdClass";
  if (name.size() != std_class.size()) return std::string(name);
  for (std::size_t i = 0; i < name.size(); ++i) {
    char a = name[i];
    char b = std_class[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return std::string(name);
  }
  return std::string(std_class);
}

/// The value zend_strtod() gives for a decimal whose magnitude std::from_chars reports as out of
/// range: infinity when it overflows, zero when it underflows, with the input's sign.
double out_of_range_value(std::string_view text) {
  const bool neg = !text.empty() && text.front() == '-';
  long long lead = 0;  // power of ten of the first significant digit, before the exponent
  bool seen_point = false;
  bool seen_nonzero = false;
  long long int_digits = 0;
  long long frac_zeros = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != 'e' && text[i] != 'E'; ++i) {
    const char c = text[i];
    if (c == '.') {
      seen_point = true;
    } else if (c >= '0' && c <= '9') {
      if (c != '0') seen_nonzero = true;
      if (!seen_point && seen_nonzero) ++int_digits;
      if (seen_point && !seen_nonzero) ++frac_zeros;
    }
  }
  lead = int_digits > 0 ? int_digits : -frac_zeros;
  long long exp10 = 0;
  bool exp_neg = false;
  for (++i; i < text.size(); ++i) {
    if (text[i] == '-') exp_neg = true;
    if (text[i] >= '0' && text[i] <= '9' && exp10 < 1'000'000) exp10 = exp10 * 10 + (text[i] - '0');
  }
  const bool overflow = seen_nonzero && lead + (exp_neg ? -exp10 : exp10) > 0;
  const double magnitude = overflow ? std::numeric_limits<double>::infinity() : 0.0;
  return neg ? -magnitude : magnitude;
}

/// zend_strtod() over a token the d: grammar already accepted: correctly rounded, a leading '+'
/// allowed, overflow to infinity and underflow to (signed) zero instead of an error.
double parse_decimal(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  double out = 0.0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), out,
                                   std::chars_format::general);
  if (res.ec == std::errc::result_out_of_range) return out_of_range_value(digits);
  if (res.ec != std::errc()) return 0.0;
  return out;
}

/// PHP's var_hash as far as references need it: every value read so far except R: slots gets
/// the next number (PHP's var_push), and whether it holds an object (r: may only name those).
/// One table serves all the names of a session, as in PHP. Numbers are those of serialize()
/// for the whole value; a session decoder starts with `shift` 1 for the session array itself,
/// which the stored bytes do not count.
class VarTable {
 public:
  explicit VarTable(std::uint64_t shift) : shift_(shift), objects_(shift, false) {}
  /// Numbers the value about to be read; returns its number.
  [[gnu::noinline]] std::uint64_t push() {
    objects_.push_back(false);
    return objects_.size();
  }
  void mark_object(std::uint64_t var) { objects_[var - 1] = true; }
  /// The number of the variable that `R:n` / `r:n` in the input names, if it exists.
  [[nodiscard]] std::optional<std::uint64_t> lookup(std::uint64_t n) const {
    if (n == 0 || n > objects_.size() - shift_) return std::nullopt;
    return n + shift_;
  }
  [[nodiscard]] bool is_object(std::uint64_t var) const { return objects_[var - 1]; }
  void note_reference() { references_ = true; }
  /// Whether an R: or r: was read.
  [[nodiscard]] bool references() const { return references_; }

 private:
  std::uint64_t shift_;
  std::vector<bool> objects_;
  bool references_ = false;
};

/// A recursive-descent copy of php_var_unserialize_internal(). `pos_` plays the role of PHP's
/// `*p`: on failure it holds the offset PHP would report.
class Parser {
 public:
  Parser(std::string_view in, std::size_t pos, VarTable& vars) : in_(in), pos_(pos), vars_(vars) {}

  /// Parses one value at pos(); on failure error() says where and why.
  bool parse(Value& out, Slot slot);
  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] DecodeError error() const { return DecodeError{pos_, msg_}; }

 private:
  [[nodiscard]] unsigned char at(std::size_t i) const {
    return i < in_.size() ? static_cast<unsigned char>(in_[i]) : 0;
  }
  [[nodiscard]] std::size_t digits_end(std::size_t i) const {
    while (is_digit(at(i))) ++i;
    return i;
  }
  [[gnu::noinline]] bool fail(std::size_t offset, const char* why) {
    pos_ = offset;
    msg_ = why;
    return false;
  }
  struct Level;
  [[nodiscard]] ParsedInt parse_iv2(std::size_t i) const;
  [[nodiscard]] std::uint64_t parse_uiv(std::size_t i) const;
  // Leaves of the recursion are kept out of line, so that their locals do not enlarge the frame
  // of parse(), which every level of nesting pays for.
  [[gnu::noinline]] bool parse_int(Value& out, std::size_t start);
  [[gnu::noinline]] bool parse_double(Value& out, std::size_t start);
  [[gnu::noinline]] bool parse_string(Value& out, std::size_t start, bool escaped);
  bool unescape(std::size_t& cursor, std::uint64_t len, std::string& out) const;
  bool parse_array(Value& out, std::size_t start, Slot slot);
  bool parse_object(Value& out, std::size_t start, Slot slot);
  [[gnu::noinline]] std::int64_t array_header(Value& out, std::size_t start, Slot slot);
  [[gnu::noinline]] std::int64_t object_header(Value& out, std::size_t start, Slot slot);
  bool parse_entries(std::vector<Entry>& items, std::int64_t count, bool object);
  [[gnu::noinline]] static std::unique_ptr<Level> new_level(std::vector<Entry>& items);
  [[gnu::noinline]] bool add_key(Level& level, bool object);
  [[gnu::noinline]] bool parse_reference(Value& out, std::size_t start, Slot slot,
                                         std::uint64_t self);
  [[gnu::noinline]] bool parse_unsupported(std::size_t start);
  bool finish_nested();

  std::string_view in_;
  std::size_t pos_;
  VarTable& vars_;
  std::size_t depth_ = 0;
  std::string msg_;
};

/// PHP's parse_iv2(): optional sign, leading zeros skipped, and on overflow a warning plus
/// ZEND_LONG_MAX / ZEND_LONG_MIN rather than a failure ("i:99999999999999999999;" decodes).
ParsedInt Parser::parse_iv2(std::size_t i) const {
  bool neg = false;
  if (at(i) == '-') {
    neg = true;
    ++i;
  } else if (at(i) == '+') {
    ++i;
  }
  while (at(i) == '0') ++i;
  const std::size_t first = i;
  std::uint64_t result = 0;  // unsigned: wraps like PHP's zend_ulong, never undefined
  for (; is_digit(at(i)); ++i) result = result * 10 + (at(i) - '0');
  constexpr auto long_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (i - first > 19 || result > long_max + (neg ? 1 : 0)) {
    return {
        neg ? std::numeric_limits<std::int64_t>::min() : std::numeric_limits<std::int64_t>::max(),
        i};
  }
  // Two's-complement conversion is well defined in C++20, and -result fits after the check.
  return {neg ? static_cast<std::int64_t>(0 - result) : static_cast<std::int64_t>(result), i};
}

/// PHP's parse_uiv(): digits only, accumulated modulo 2^64 exactly as PHP's size_t arithmetic
/// does (so "s:18446744073709551617:"a";" is a one-byte string in PHP too). The wrapped length is
/// then bounds-checked against the remaining input before anything is read.
std::uint64_t Parser::parse_uiv(std::size_t i) const {
  std::uint64_t result = 0;
  for (; is_digit(at(i)); ++i) result = result * 10 + (at(i) - '0');
  return result;
}

bool Parser::parse(Value& out, Slot slot) {
  const std::size_t start = pos_;
  if (start >= in_.size()) return fail(start, "unexpected end of data");
  // PHP numbers the slot before reading it (so r: can name itself, and fails); keys are read
  // without a var_hash and never numbered; R: slots share their target's number.
  const std::uint64_t self = slot == Slot::value && at(start) != 'R' ? vars_.push() : 0;
  if (at(start) == 'O' && self != 0) vars_.mark_object(self);
  switch (at(start)) {
    case 'N':
      if (at(start + 1) != ';') break;
      pos_ = start + 2;
      out = Value();
      return true;
    case 'b':
      // Only "b:0;" and "b:1;" exist: "b:2;" and "b:01;" fail.
      if (at(start + 1) != ':' || (at(start + 2) != '0' && at(start + 2) != '1') ||
          at(start + 3) != ';') {
        break;
      }
      out = Value(at(start + 2) == '1');
      pos_ = start + 4;
      return true;
    case 'i': return parse_int(out, start);
    case 'd': return parse_double(out, start);
    case 's': return parse_string(out, start, false);
    case 'S': return parse_string(out, start, true);
    case 'a': return parse_array(out, start, slot);
    case 'O': return parse_object(out, start, slot);
    case 'R':
    case 'r': return parse_reference(out, start, slot, self);
    case 'C':
    case 'E': return parse_unsupported(start);
    default: break;
  }
  return fail(start, "malformed value");
}

/// "i:" iv ";" with iv = [+-]?[0-9]+: so "i:+5;" and "i:05;" are accepted, "i:+-5;" is not.
bool Parser::parse_int(Value& out, std::size_t start) {
  if (at(start + 1) != ':') return fail(start, "malformed integer");
  std::size_t i = start + 2;
  if (at(i) == '+' || at(i) == '-') ++i;
  const std::size_t end = digits_end(i);
  if (end == i || at(end) != ';') return fail(start, "malformed integer");
  out = Value(parse_iv2(start + 2).value);
  pos_ = end + 1;
  return true;
}

/// "d:" followed by NAN, INF, -INF or a decimal of the form [+-]?(digits | digits.digits? |
/// .digits) with an optional [eE][+-]?digits exponent, then ";". "+INF", "-NAN", "." and hex fail.
bool Parser::parse_double(Value& out, std::size_t start) {
  if (at(start + 1) != ':') return fail(start, "malformed float");
  const std::size_t i = start + 2;
  const std::string_view rest = in_.substr(i);
  if (rest.starts_with("NAN;")) {
    out = Value(std::numeric_limits<double>::quiet_NaN());
    pos_ = i + 4;
    return true;
  }
  if (rest.starts_with("INF;") || rest.starts_with("-INF;")) {
    const bool neg = rest.front() == '-';
    out = Value(neg ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity());
    pos_ = i + (neg ? 5 : 4);
    return true;
  }
  std::size_t j = i;
  if (at(j) == '+' || at(j) == '-') ++j;
  const std::size_t int_end = digits_end(j);
  const bool int_digits = int_end > j;
  j = int_end;
  if (at(j) == '.') {
    const std::size_t frac_end = digits_end(j + 1);
    if (!int_digits && frac_end == j + 1) return fail(start, "malformed float");
    j = frac_end;
  } else if (!int_digits) {
    return fail(start, "malformed float");
  }
  if (at(j) == 'e' || at(j) == 'E') {
    std::size_t k = j + 1;
    if (at(k) == '+' || at(k) == '-') ++k;
    const std::size_t exp_end = digits_end(k);
    if (exp_end == k) return fail(start, "malformed float");
    j = exp_end;
  }
  if (at(j) != ';') return fail(start, "malformed float");
  out = Value(parse_decimal(in_.substr(i, j - i)));
  pos_ = j + 1;
  return true;
}

/// s:N:"bytes"; and its escaped twin S:N:"..."; where "\hh" stands for one byte.
bool Parser::parse_string(Value& out, std::size_t start, bool escaped) {
  if (at(start + 1) != ':') return fail(start, "malformed string");
  const std::size_t len_end = digits_end(start + 2);
  if (len_end == start + 2 || at(len_end) != ':' || at(len_end + 1) != '"') {
    return fail(start, "malformed string");
  }
  std::size_t cursor = len_end + 2;  // at most in_.size(): the quote before it is in range
  const std::uint64_t len = parse_uiv(start + 2);
  if (in_.size() - cursor < len) return fail(start + 2, "string length exceeds the data");
  std::string bytes;
  if (escaped) {
    if (!unescape(cursor, len, bytes)) return fail(start, "malformed escaped string");
  } else {
    bytes.assign(in_.substr(cursor, static_cast<std::size_t>(len)));
    cursor += static_cast<std::size_t>(len);
  }
  if (at(cursor) != '"') return fail(cursor, "expected '\"' after the string bytes");
  if (at(cursor + 1) != ';') return fail(cursor + 1, "expected ';' after the string");
  out = Value(std::move(bytes));
  pos_ = cursor + 2;
  return true;
}

/// unserialize_str(): reads `len` decoded bytes; fails on a bad escape or at the end of input.
bool Parser::unescape(std::size_t& cursor, std::uint64_t len, std::string& out) const {
  for (std::uint64_t n = 0; n < len; ++n) {
    if (cursor >= in_.size()) return false;
    if (at(cursor) != '\\') {
      out += static_cast<char>(at(cursor));
    } else {
      int ch = 0;
      for (int j = 0; j < 2; ++j) {
        const int h = hex_value(at(++cursor));
        if (h < 0) return false;
        ch = ch * 16 + h;
      }
      out += static_cast<char>(ch);
    }
    ++cursor;
  }
  return true;
}

/// finish_nested_data(): the closing brace of an array or object.
bool Parser::finish_nested() {
  if (pos_ >= in_.size() || at(pos_) != '}') return fail(pos_, "expected '}'");
  ++pos_;
  return true;
}

/// process_nested_{array,object}_data(): `count` key/value pairs. Array keys must be i: or s:
/// (numeric strings become integers, as PHP's hash does); property names must be s: or i: (an
/// integer name becomes its decimal string).
/// What one level of nesting holds while its entries are read. It lives on the heap, so that a
/// level costs the stack only the frames of parse (with parse_array/parse_object inlined) and
/// parse_entries, about 250 bytes (see the top of this file).
struct Parser::Level {
  explicit Level(std::vector<Entry>& items) : builder(items) {}
  EntryBuilder builder;
  Value key_value;
  Value value;
};

std::unique_ptr<Parser::Level> Parser::new_level(std::vector<Entry>& items) {
  return std::make_unique<Level>(items);
}

bool Parser::parse_entries(std::vector<Entry>& items, std::int64_t count, bool object) {
  if (depth_ >= decode_depth_max) return fail(pos_, "nesting deeper than decode_depth_max");
  ++depth_;
  const auto level = new_level(items);
  for (std::int64_t n = 0; n < count; ++n) {
    if (!parse(level->key_value, Slot::key)) return false;
    if (!add_key(*level, object)) return false;
    if (!parse(level->value, Slot::value)) return false;
    level->builder.set_value(std::move(level->value));
  }
  --depth_;
  return true;
}

/// Array keys must be i: or s: (numeric strings become integers, as PHP's hash does); property
/// names must be s: or i: (an integer name becomes its decimal string).
bool Parser::add_key(Level& level, bool object) {
  Key key;
  if (const auto* i = std::get_if<std::int64_t>(&level.key_value.v)) {
    key = object ? Key(std::to_string(*i)) : Key(*i);
  } else if (auto* s = std::get_if<std::string>(&level.key_value.v)) {
    key = object ? Key(std::move(*s)) : normalise_key(*s);
  } else {
    return fail(pos_, object ? "property name must be a string" : "array key must be i: or s:");
  }
  level.builder.set_key(std::move(key));
  return true;
}

/// "a:" uiv ":{": the count may not exceed half the remaining bytes (each element needs at
/// least two), and an array cannot be an array key.
bool Parser::parse_array(Value& out, std::size_t start, Slot slot) {
  const std::int64_t count = array_header(out, start, slot);
  if (count < 0) return false;
  // PHP checks the depth only for non-empty arrays, so "a:0:{}" is accepted at any depth.
  if (count > 0 && !parse_entries(std::get<Array>(out.v).items, count, false)) return false;
  return finish_nested();
}

/// The "a:n:{" of parse_array: the entry count (pos_ at the first entry, `out` an empty array
/// to fill in place, so that no level of nesting holds an Array on the stack), or -1.
std::int64_t Parser::array_header(Value& out, std::size_t start, Slot slot) {
  if (at(start + 1) != ':') return fail(start, "malformed array"), -1;
  const std::size_t count_end = digits_end(start + 2);
  if (count_end == start + 2 || at(count_end) != ':' || at(count_end + 1) != '{') {
    return fail(start, "malformed array"), -1;
  }
  const std::int64_t count = parse_iv2(start + 2).value;
  pos_ = count_end + 2;
  if (slot == Slot::key) return fail(pos_, "an array cannot be an array key"), -1;
  const std::size_t remaining = in_.size() - pos_;
  if (count < 0 || count >= ht_max_size || static_cast<std::uint64_t>(count) > remaining / 2) {
    return fail(pos_, "element count exceeds the data"), -1;
  }
  out = Value(Array{});
  return count;
}

/// O:N:"Class":n:{props}. The header checks run in PHP's order so failures land where PHP's do.
bool Parser::parse_object(Value& out, std::size_t start, Slot slot) {
  const std::int64_t count = object_header(out, start, slot);
  if (count < 0) return false;
  // Unlike arrays, objects always pass the depth check, even with no properties.
  if (!parse_entries(std::get<Object>(out.v).props, count, true)) return false;
  return finish_nested();
}

/// The `O:N:"Class":n:{` of parse_object, like array_header.
std::int64_t Parser::object_header(Value& out, std::size_t start, Slot slot) {
  if (at(start + 1) != ':') return fail(start, "malformed object"), -1;
  const std::size_t len_end = digits_end(start + 2);
  if (len_end == start + 2 || at(len_end) != ':' || at(len_end + 1) != '"') {
    return fail(start, "malformed object"), -1;
  }
  if (slot == Slot::key) return fail(start, "an object cannot be an array key"), -1;
  std::size_t cursor = len_end + 2;
  const std::uint64_t len = parse_uiv(start + 2);
  if (in_.size() - cursor < len || len == 0) return fail(start + 2, "bad class name length"), -1;
  const std::string_view name = in_.substr(cursor, static_cast<std::size_t>(len));
  cursor += static_cast<std::size_t>(len);
  if (at(cursor) != '"') return fail(cursor, "expected '\"' after the class name"), -1;
  if (at(cursor + 1) != ':') return fail(cursor + 1, "expected ':' after the class name"), -1;
  if (!valid_class_name(name)) return fail(start, "invalid class name"), -1;
  // From here PHP's cursor sits on the closing quote; in_.size() >= cursor + 2 holds.
  if (cursor >= in_.size() - 2) return fail(cursor, "truncated object"), -1;
  const ParsedInt count = parse_iv2(cursor + 2);  // sign, leading zeros, even no digits pass
  if (count.value < 0 || static_cast<std::uint64_t>(count.value) > (in_.size() - cursor) / 2) {
    return fail(count.end, "property count exceeds the data"), -1;
  }
  if (at(count.end) != ':') return fail(count.end, "expected ':' after the property count"), -1;
  if (at(count.end + 1) != '{') return fail(count.end + 1, "expected '{'"), -1;
  pos_ = count.end + 2;
  if (count.value >= ht_max_size) return fail(pos_, "property count exceeds the data"), -1;
  out = Value(Object{canonical_class_name(name), {}});
  return count.value;
}

/// "R:" uiv ";" and "r:" uiv ";". PHP moves its cursor past the ';' before checking the
/// target, so an unresolvable reference fails there: in a key (no var_hash), naming a variable
/// not read yet (R: slots are not numbered, so "R:1;" alone fails), or, for r:, naming itself
/// or a variable that does not hold an object.
bool Parser::parse_reference(Value& out, std::size_t start, Slot slot, std::uint64_t self) {
  const std::size_t end = digits_end(start + 2);
  if (at(start + 1) != ':' || end == start + 2 || at(end) != ';') {
    return fail(start, "malformed value");
  }
  const bool handle = at(start) == 'r';
  const auto target = vars_.lookup(parse_uiv(start + 2));
  if (slot == Slot::key) return fail(end + 1, "a reference cannot be an array key");
  if (!target) return fail(end + 1, "reference to a variable not read yet");
  if (handle && (*target == self || !vars_.is_object(*target))) {
    return fail(end + 1, "r: must name another variable holding an object");
  }
  if (handle) vars_.mark_object(self);
  vars_.note_reference();
  out = Value(Reference{handle, *target});
  pos_ = end + 1;
  return true;
}

/// C: (Serializable) and E: (enums) cannot be held by the value tree; they fail at their first
/// byte (where PHP fails an undeclared enum).
bool Parser::parse_unsupported(std::size_t start) {
  if (at(start) == 'C') return fail(start, "Serializable objects (C:) are not supported");
  return fail(start, "enums (E:) are not supported");
}

// ---------------------------------------------------------------------------------------------
// Session serialisers
// ---------------------------------------------------------------------------------------------

/// A repeated name replaces an earlier value, and PHP numbers the variables of what it encodes
/// afresh; the value tree keeps the numbers it read, so a reference into a replaced value would
/// name another variable, or none, once encoded (PHP itself writes the value there). Such a
/// session is refused rather than re-encoded wrongly: with references, it must encode and decode
/// back to itself.
std::optional<DecodeError> references_survive(const Array& session, Serializer f) {
  // The re-decode below holds references too; one level of checking is enough.
  static thread_local bool checking = false;
  if (checking) return std::nullopt;
  checking = true;
  const EncodeResult encoded = encode_session(session, f);
  const auto again = encoded.failed ? std::variant<Array, DecodeError>(DecodeError{})
                                    : decode_session(encoded.bytes, f);
  checking = false;
  const auto* array = std::get_if<Array>(&again);
  if (array != nullptr && *array == session) return std::nullopt;
  return DecodeError{0,
                     "a reference (R:/r:) into a value a repeated name replaced is not supported"};
}

/// PS_SERIALIZER_DECODE_FUNC(php): "name|value" repeated. Names are taken verbatim as string
/// keys (PHP uses zend_hash_update, so "7|i:1;" yields the string key "7", not 7). A name with
/// no '|' after it fails, as does any value failure; a repeated name replaces in place.
std::variant<Value, DecodeError> decode_php(std::string_view bytes) {
  Array session;
  EntryBuilder builder(session.items);
  VarTable vars(1);
  std::size_t p = 0;
  while (p < bytes.size()) {
    const std::size_t bar = bytes.find('|', p);
    if (bar == std::string_view::npos) return DecodeError{p, "variable name without '|'"};
    Parser parser(bytes, bar + 1, vars);
    Value value;
    if (!parser.parse(value, Slot::value)) return parser.error();
    builder.set(Key(std::string(bytes.substr(p, bar - p))), std::move(value));
    p = parser.pos();
  }
  if (vars.references()) {
    if (auto e = references_survive(session, Serializer::php)) return *e;
  }
  return Value(std::move(session));
}

/// PS_SERIALIZER_DECODE_FUNC(php_binary): a length byte whose top bit PHP masks off (0x83 means
/// 3), the name, then the value. The name plus at least one value byte must fit.
std::variant<Value, DecodeError> decode_php_binary(std::string_view bytes) {
  Array session;
  EntryBuilder builder(session.items);
  VarTable vars(1);
  std::size_t p = 0;
  while (p < bytes.size()) {
    const std::size_t name_len = static_cast<unsigned char>(bytes[p]) & 0x7f;
    if (p + name_len >= bytes.size()) return DecodeError{p, "truncated variable name"};
    std::string name(bytes.substr(p + 1, name_len));
    Parser parser(bytes, p + 1 + name_len, vars);
    Value value;
    if (!parser.parse(value, Slot::value)) return parser.error();
    builder.set(Key(std::move(name)), std::move(value));
    p = parser.pos();
  }
  if (vars.references()) {
    if (auto e = references_survive(session, Serializer::php_binary)) return *e;
  }
  return Value(std::move(session));
}

/// PS_SERIALIZER_DECODE_FUNC(php_serialize): one unserialize() of the whole string. PHP ignores
/// bytes after the value, turns N; into an empty array, and keeps any other non-array value.
std::variant<Value, DecodeError> decode_php_serialize(std::string_view bytes) {
  if (bytes.empty()) return Value(Array{});
  VarTable vars(0);
  Parser parser(bytes, 0, vars);
  Value value;
  if (!parser.parse(value, Slot::value)) return parser.error();
  if (value.is_null()) return Value(Array{});
  return value;
}

}  // namespace

std::string serialize(const Value& value) {
  std::string out;
  serialize_into(out, value, 0);
  return out;
}

std::variant<std::pair<Value, std::size_t>, DecodeError> unserialize_prefix(
    std::string_view bytes) {
  VarTable vars(0);
  Parser parser(bytes, 0, vars);
  Value value;
  if (!parser.parse(value, Slot::value)) return parser.error();
  return std::pair<Value, std::size_t>{std::move(value), parser.pos()};
}

std::variant<Value, DecodeError> unserialize(std::string_view bytes) {
  auto result = unserialize_prefix(bytes);
  if (auto* err = std::get_if<DecodeError>(&result)) return std::move(*err);
  auto& [value, used] = std::get<std::pair<Value, std::size_t>>(result);
  // PHP 8.2's unserialize() silently ignores trailing bytes; this stricter variant does not.
  if (used != bytes.size()) return DecodeError{used, "trailing bytes after the value"};
  return std::move(value);
}

EncodeResult encode_session(const Array& session, Serializer format) {
  EncodeResult result;
  if (format == Serializer::php_serialize) {
    result.bytes = serialize(Value(session));
    return result;
  }
  for (const auto& entry : session.items) {
    if (const auto* i = std::get_if<std::int64_t>(&entry.key)) {
      // PS_ENCODE_LOOP warns "Skipping numeric key N" and moves on.
      result.skipped_numeric_keys.push_back(*i);
      continue;
    }
    const auto& name = std::get<std::string>(entry.key);
    if (format == Serializer::php) {
      if (name.find('|') != std::string::npos) {
        // The php encoder returns NULL at the first such name, silently: session_encode()
        // gives false and the save handler is asked to write "". Later numeric keys are never
        // reached, so their warnings are not emitted either.
        result.bytes.clear();
        result.failed = true;
        return result;
      }
      result.bytes += name;
      result.bytes += '|';
    } else {
      // php_binary silently drops names longer than PS_BIN_MAX (127 bytes).
      if (name.size() > 127) continue;
      result.bytes += static_cast<char>(name.size());
      result.bytes += name;
    }
    serialize_into(result.bytes, entry.value, 1);
  }
  return result;
}

std::variant<Value, DecodeError> decode_session_value(std::string_view bytes, Serializer format) {
  switch (format) {
    case Serializer::php: return decode_php(bytes);
    case Serializer::php_binary: return decode_php_binary(bytes);
    case Serializer::php_serialize: return decode_php_serialize(bytes);
  }
  return DecodeError{0, "unknown serializer"};
}

std::variant<Array, DecodeError> decode_session(std::string_view bytes, Serializer format) {
  auto result = decode_session_value(bytes, format);
  if (auto* err = std::get_if<DecodeError>(&result)) return std::move(*err);
  auto& value = std::get<Value>(result);
  if (auto* array = std::get_if<Array>(&value.v)) return std::move(*array);
  return DecodeError{0, "php_serialize data is not an array"};
}

}  // namespace ss::model
