#include "base/printable.hpp"

#include <cstddef>
#include <cstdint>

namespace ss::base {

namespace {

void append_hex(std::string& out, unsigned char c) {
  static constexpr char digits[] = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4];
  out += digits[c & 0x0f];
}

bool continuation(unsigned char c) {
  return (c & 0xc0) == 0x80;
}

/// The length of the well-formed UTF-8 sequence of two or more bytes at `s[i]` (RFC 3629: no
/// overlong forms, no surrogates, nothing above U+10FFFF), or 0 when there is none. Sequences
/// that encode a C1 control (U+0080..U+009F) count as not well-formed, so they are escaped.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t min = 0;
  std::uint32_t cp = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2, min = 0xa0, cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3, min = 0x800, cp = b0 & 0x0f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4, min = 0x10000, cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (!continuation(b)) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
  if (cp < min || cp > 0x10ffff || surrogate) return 0;
  return len;
}

}  // namespace

std::string printable(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t len = c >= 0x80 ? utf8_sequence(bytes, i) : 0;
    if (len == 0) {
      append_hex(out, c);
      ++i;
      continue;
    }
    out.append(bytes.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace ss::base
