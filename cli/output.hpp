#pragma once
// What the verbs print besides their results: colour on a terminal and progress meters. Both go
// only where a human watches: colour when the stream is a terminal and NO_COLOR
// (https://no-color.org) is unset or empty; progress on stderr when it is a terminal or the verb
// was given --progress, never on stdout (which may carry JSON).

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace ss::cli {

/// Whether `stream` gets colour: a terminal, NO_COLOR unset or empty and TERM not `dumb`.
[[nodiscard]] bool colour_on(std::FILE* stream);

/// What a piece of text says, and so its colour.
enum class Tone { pass, fail, finding, error, skip, heading };

/// `text` in the colour of `tone` when `on`, unchanged otherwise.
[[nodiscard]] std::string paint(const std::string& text, Tone tone, bool on);

/// The colour of a certificate verdict's name (pass, finding, fail, skip, error).
[[nodiscard]] Tone verdict_tone(const std::string& verdict);

/// `VERB: DONE/TOTAL UNIT, RATE/s, ~N s left`: the line a meter prints (time left once something
/// is done and something is left).
[[nodiscard]] std::string progress_line(const std::string& verb, const std::string& unit,
                                        std::size_t done, std::size_t total, double seconds);

/// A progress meter on stderr. On a terminal it redraws one line (a bar, counts, rate, time
/// left, what runs now) at most `redraws_max` times for counts and at most every `redraw_ms`
/// for labels; with --progress and no terminal it prints a plain line at every tenth of the
/// total (so at most 11 lines, whatever the run's length); otherwise it prints nothing.
class ProgressMeter {
 public:
  static constexpr std::size_t redraws_max = 100;
  static constexpr std::size_t lines_max = 10;
  static constexpr int redraw_ms = 100;

  ProgressMeter(std::string verb, std::string unit, std::size_t total, bool forced);
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;
  ~ProgressMeter();

  /// `done` units of `total` are finished.
  void count(std::size_t done);
  /// What runs now (terminal only).
  void label(const std::string& what);
  /// Erases the meter's line on a terminal, before the verb prints to stdout there; the next
  /// count or label draws it again.
  void pause();
  /// Ends the meter's line on a terminal (idempotent).
  void finish();
  [[nodiscard]] bool enabled() const { return tty_ || forced_; }

 private:
  using Clock = std::chrono::steady_clock;
  void draw();

  std::string verb_;
  std::string unit_;
  std::size_t total_;
  bool tty_;
  bool forced_;
  std::size_t done_ = 0;
  std::string label_;
  bool drawn_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
};

}  // namespace ss::cli
