#include "certify/report.hpp"

#include <filesystem>
#include <fstream>

#include "base/child_process.hpp"

namespace ss::certify {

namespace {

namespace fs = std::filesystem;

/// The report generator takes about a second per 10,000 trace events; this bounds a stuck one.
constexpr int report_timeout_ms = 300'000;

}  // namespace

std::optional<std::string> write_report(const std::string& dir_name, const Certificate& c,
                                        const std::string& traces, const std::string& script) {
  const fs::path dir(dir_name);
  {
    std::ofstream out(dir / "certificate.json", std::ios::binary | std::ios::trunc);
    out << certificate_json(c).dump(1, ' ', true);
    out.close();
    if (!out) return "--report: cannot write '" + (dir / "certificate.json").string() + "'";
  }
  // Debian's interpreter: a python3 earlier on PATH may lack Jinja2 (reports/README.md).
  std::vector<std::string> argv{"/usr/bin/python3",
                                script,
                                "--title",
                                "sessionspec certificate",
                                "--out",
                                (dir / "report.html").string(),
                                "--certificate",
                                (dir / "certificate.json").string()};
  // The lanes of L3 failures and findings; a races.json of an earlier run must not stay.
  std::error_code ec;
  fs::remove(dir / "races.json", ec);
  if (has_races(c)) {
    std::ofstream out(dir / "races.json", std::ios::binary | std::ios::trunc);
    out << races_json(c).dump(1, ' ', true);
    out.close();
    if (!out) return "--report: cannot write '" + (dir / "races.json").string() + "'";
    argv.insert(argv.end(), {"--races", (dir / "races.json").string()});
  }
  if (fs::exists(dir / "mutants.json")) {
    argv.insert(argv.end(), {"--mutants", (dir / "mutants.json").string()});
  }
  // Rows that wrote no traces (`--only L2`) leave an empty file, which is no trace; the
  // certificate alone is a report.
  if (fs::file_size(traces, ec) > 0 && !ec) argv.push_back(traces);
  const base::ProcessResult r = base::run_process(argv, report_timeout_ms);
  if (!r.ok()) {
    // The generator says what is wrong in one line on stderr (reports/README.md).
    const std::string why =
        !r.started    ? r.error
        : r.timed_out ? "no result within " + std::to_string(report_timeout_ms / 1000) + " s"
                      : r.err.substr(0, r.err.find('\n'));
    return "certify: the report generator failed (" + base::describe_wait_status(r.status) +
           "): " + why;
  }
  return std::nullopt;
}

}  // namespace ss::certify
