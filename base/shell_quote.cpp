#include "base/shell_quote.hpp"

namespace ss::base {

namespace {

/// Characters that mean nothing to sh or bash in any position of a word. '=' is safe too: it only
/// makes an assignment before the command name, and the replay lines start with the command.
bool plain(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '@':
    case '%':
    case '+':
    case '=':
    case ':':
    case ',':
    case '.':
    case '/':
    case '_':
    case '-': return true;
    default: return false;
  }
}

}  // namespace

std::string shell_quote(std::string_view arg) {
  bool all_plain = !arg.empty();
  for (char c : arg) all_plain = all_plain && plain(c);
  if (all_plain) return std::string(arg);
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    out += shell_quote(arg);
  }
  return out;
}

}  // namespace ss::base
