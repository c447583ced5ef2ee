// The certificate as the `certify` verb prints it: each class's declared guarantees, then one
// line per row with its replay lines, then the counts.

#include "cli/certificate_table.hpp"

#include <fmt/core.h>

#include <algorithm>

#include "base/printable.hpp"
#include "cli/output.hpp"

namespace ss::cli {

namespace {

/// `text` in at most `width` characters: URIs that differ only at the end (redis modes, phpredis
/// lock settings) keep their head and their tail.
std::string elide_uri(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  const std::size_t head = (width - 2) * 2 / 5;
  return text.substr(0, head) + ".." + text.substr(text.size() - (width - 2 - head));
}

/// The replay lines of a row: one per failing L1 scenario (named when there are several), or
/// the row's own.
void print_row_replays(std::FILE* out, const certify::Row& r) {
  if (r.failing.size() > 1) {
    for (const auto& f : r.failing) {
      fmt::print(out, "{:<28} {:<34} {:<8} {}: {}\n", "", "", "", base::printable(f.scenario),
                 base::printable(f.failure.substr(0, f.failure.find('\n'))));
      fmt::print(out, "{:<28} {:<34} {:<8}   replay: {}\n", "", "", "", f.replay);
    }
    return;
  }
  if (!r.replay.empty()) fmt::print(out, "{:<28} {:<34} {:<8} replay: {}\n", "", "", "", r.replay);
}

}  // namespace

void print_certificate_table(std::FILE* out, const certify::Certificate& c, bool colour) {
  // A user's class is judged by what it declares: the table says what that was.
  for (const auto& h : c.handlers) {
    const std::string line = certify::guarantees_line(h);
    if (!line.empty()) fmt::print(out, "{}: {}\n", h.name, line);
  }
  fmt::print(out, "\n{:<28} {:<34} {:<8} {}\n", "handler", "property", "verdict", "evidence");
  for (const auto& r : c.rows) {
    std::string evidence = base::printable(r.evidence.substr(0, r.evidence.find('\n')));
    if (evidence.size() > 90) evidence = evidence.substr(0, 87) + "...";
    const std::string verdict(certify::verdict_name(r.verdict));
    fmt::print(out, "{:<28} {:<34} {} {}\n", elide_uri(r.handler, 28), r.property.substr(0, 34),
               paint(fmt::format("{:<8}", verdict), verdict_tone(verdict), colour), evidence);
    print_row_replays(out, r);
  }
  const auto count = [&](certify::Verdict v) {
    return std::count_if(c.rows.begin(), c.rows.end(),
                         [v](const certify::Row& r) { return r.verdict == v; });
  };
  const auto failed = count(certify::Verdict::fail);
  const auto errors = count(certify::Verdict::error);
  // An error row is neither passed nor failed: it could not judge.
  fmt::print(out, "\n{} passed, {} failed{}\n", std::ssize(c.rows) - failed - errors, failed,
             errors ? fmt::format(", {} could not judge (error)", errors) : "");
  if (c.cut_short) {
    fmt::print(out, "{}\n",
               paint("cut short by --fail-fast at the first failure: the rows after it did not "
                     "run, so this certificate is incomplete",
                     Tone::fail, colour));
  }
}

}  // namespace ss::cli
