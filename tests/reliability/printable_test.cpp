// D17: untrusted bytes printed as text. base::printable() escapes what a terminal or a line
// reader would act on, and the text trace writer passes ids, data, answers and reasons through
// it, so a CR/LF in an id cannot forge a trace line and an ESC sequence from a handler cannot
// reach the terminal.

#include "base/printable.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "handlers/seam.hpp"
#include "model/calls.hpp"
#include "scenarios/trace.hpp"

namespace ss {
namespace {

using namespace std::string_literals;

/// True when `text` holds a byte that a terminal would act on (C0 except LF, DEL, ESC, CSI).
bool has_control_bytes(const std::string& text, bool allow_lf) {
  return std::any_of(text.begin(), text.end(), [&](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') return !allow_lf;
    return c < 0x20 || c == 0x7f || c == 0x9b;
  });
}

TEST(Printable, EscapesControlBytesAndKeepsText) {
  EXPECT_EQ(base::printable("plain id,-09"), "plain id,-09");
  EXPECT_EQ(base::printable("a\r\nb"), "a\\x0d\\x0ab");
  EXPECT_EQ(base::printable("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(base::printable("nul\0x"s), "nul\\x00x");
  EXPECT_EQ(base::printable("tab\there\x7f"), "tab\\x09here\\x7f");
  // Well-formed UTF-8 stays readable; stray bytes, overlong forms, surrogates and the C1
  // controls (U+009B is CSI) do not.
  EXPECT_EQ(base::printable("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(base::printable("\x9b"
                            "31m"),
            "\\x9b31m");
  EXPECT_EQ(base::printable("\xc2\x9b"
                            "31m"),
            "\\xc2\\x9b31m");
  EXPECT_EQ(base::printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(base::printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
  EXPECT_EQ(base::printable("\xe2\x82"), "\\xe2\\x82");
}

TEST(Printable, EveryByteComesOutPrintable) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string out = base::printable(all + all);
  EXPECT_FALSE(has_control_bytes(out, false)) << out;
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x80;
  })) << "no byte of 0x80..0xff forms well-formed UTF-8 on its own";
}

TEST(TextTrace, D17_HostileIdsAndDataCannotForgeLinesOrReachTheTerminal) {
  const std::string hostile = "evil\r\n== forged line\x1b]0;title\x07\x1b[2J";
  std::ostringstream out;
  scenarios::TextTraceWriter writer(out);

  scenarios::Event request;
  request.request = 1;
  request.payload = scenarios::RequestEvent{hostile};
  writer.on_event(request);

  scenarios::Event handler;
  handler.payload =
      scenarios::HandlerEvent{model::HandlerCall{model::Method::read, {hostile}},
                              model::Answer::string_("k|s:4:\"\x1b[0m\";" + hostile), 0};
  writer.on_event(handler);

  scenarios::Event failed;
  failed.payload =
      scenarios::HandlerEvent{model::HandlerCall{model::Method::write, {hostile, "x"}},
                              model::Answer::failure_(handlers::bad_id(hostile).reason), 0};
  writer.on_event(failed);

  scenarios::Event end;
  scenarios::ResponseEvent response;
  response.set_cookies = {hostile};
  end.payload = response;
  writer.on_event(end);

  const std::string text = out.str();
  EXPECT_FALSE(has_control_bytes(text, true)) << base::printable(text);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4) << "one line per event:\n" << text;
  EXPECT_EQ(text.find("\n== forged"), std::string::npos) << text;
}

TEST(HandlerErrors, D17_BadIdReasonIsPrintable) {
  const std::string reason = handlers::bad_id("x\r\ny\x1b[2J").reason;
  EXPECT_FALSE(has_control_bytes(reason, false)) << base::printable(reason);
  EXPECT_NE(reason.find("x\\x0d\\x0ay\\x1b[2J"), std::string::npos) << reason;
}

}  // namespace
}  // namespace ss
