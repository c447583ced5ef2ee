#include "cli/output.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>

namespace ss::cli {

bool colour_on(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return ::isatty(::fileno(stream)) != 0;
}

std::string paint(const std::string& text, Tone tone, bool on) {
  if (!on) return text;
  const char* code = "";
  switch (tone) {
    case Tone::pass: code = "32"; break;     // green
    case Tone::fail: code = "1;31"; break;   // bold red
    case Tone::finding: code = "33"; break;  // amber
    case Tone::error: code = "35"; break;    // magenta: could not judge
    case Tone::skip: code = "2"; break;      // dim
    case Tone::heading: code = "1"; break;   // bold
  }
  return std::string("\033[") + code + "m" + text + "\033[0m";
}

Tone verdict_tone(const std::string& verdict) {
  if (verdict == "pass" || verdict == "ok") return Tone::pass;
  if (verdict == "fail" || verdict == "FAIL" || verdict == "SURVIVED") return Tone::fail;
  if (verdict == "finding") return Tone::finding;
  if (verdict == "error") return Tone::error;
  return Tone::skip;
}

std::string progress_line(const std::string& verb, const std::string& unit, std::size_t done,
                          std::size_t total, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  std::string line =
      fmt::format("{}: {}/{} {}, {:.{}f}/s", verb, done, total, unit, rate, rate < 10 ? 1 : 0);
  if (done > 0 && done < total && rate > 0) {
    const double left = static_cast<double>(total - done) / rate;
    line += fmt::format(", ~{:.0f} s left", std::ceil(left));
  }
  return line;
}

ProgressMeter::ProgressMeter(std::string verb, std::string unit, std::size_t total, bool forced)
    : verb_(std::move(verb)),
      unit_(std::move(unit)),
      total_(total),
      tty_(::isatty(2) != 0),
      forced_(forced) {}

ProgressMeter::~ProgressMeter() {
  finish();
}

void ProgressMeter::count(std::size_t done) {
  if (!enabled() || done == done_) return;
  const std::size_t parts = tty_ ? redraws_max : lines_max;
  const std::size_t step = std::max<std::size_t>(1, total_ / parts);
  // Only when a step boundary is crossed: a bounded number of outputs for any run length.
  const bool crossed = done / step != done_ / step || done >= total_;
  done_ = done;
  if (!crossed) return;
  if (tty_) return draw();
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  fmt::print(stderr, "{}\n", progress_line(verb_, unit_, done_, total_, secs));
}

void ProgressMeter::label(const std::string& what) {
  label_ = what;
  if (!tty_) return;
  if (Clock::now() - last_draw_ < std::chrono::milliseconds(redraw_ms)) return;
  draw();
}

void ProgressMeter::draw() {
  constexpr std::size_t bar = 30;
  constexpr std::size_t label_width = 40;
  const double secs = std::chrono::duration<double>(Clock::now() - start_).count();
  const std::size_t filled = std::min(bar, done_ * bar / std::max<std::size_t>(1, total_));
  std::string line = progress_line(verb_, unit_, done_, total_, secs);
  line = line.substr(verb_.size() + 2);  // The bar says whose it is.
  if (!label_.empty()) line += "  " + label_.substr(0, label_width);
  // "\r[" first, erase-to-end last: the line is redrawn in place.
  fmt::print(stderr, "\r[{:<{}}] {}\033[K", std::string(filled, '#'), bar, line);
  std::fflush(stderr);
  drawn_ = true;
  last_draw_ = Clock::now();
}

void ProgressMeter::pause() {
  if (!tty_ || !drawn_) return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

void ProgressMeter::finish() {
  if (tty_ && drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

}  // namespace ss::cli
