#pragma once
// Untrusted bytes made safe to print as text: session ids, handler data and reasons, scenario
// values. A CR or LF inside an id would forge a line of a text trace, and an ESC sequence in
// stored data would reach the terminal, so every print site that shows such bytes as text
// passes them through printable(). Machine-readable output (the JSON trace) has its own escaping.

#include <string>
#include <string_view>

namespace ss::base {

/// `bytes` with every byte a terminal or a line-oriented reader could act on written as `\xNN`
/// (two lower-case hex digits): C0 controls (NUL, TAB, LF, CR, ESC, ...), DEL, bytes that are
/// not part of well-formed UTF-8, and the UTF-8 encodings of the C1 controls U+0080..U+009F
/// (which some terminals obey like ESC sequences). Printable ASCII and other well-formed UTF-8
/// pass unchanged; a backslash stays a backslash, so the result is for people, not for parsing.
[[nodiscard]] std::string printable(std::string_view bytes);

}  // namespace ss::base
