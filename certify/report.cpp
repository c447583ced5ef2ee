#include "certify/report.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "certify/data.hpp"

namespace ss::certify {

namespace fs = std::filesystem;

std::optional<std::string> write_junit_file(const std::string& file, const Certificate& c) {
  std::ofstream out(file, std::ios::trunc);
  write_junit(out, c);
  return std::nullopt;
}

std::optional<std::string> write_report(const std::string& dir_name, const Certificate& c,
                                        const std::string& traces) {
  const fs::path dir(dir_name);
  std::ofstream(dir / "certificate.json", std::ios::trunc)
      << certificate_json(c).dump(1, ' ', true);
  std::string cmd = "/usr/bin/python3 '" + data_paths().report_script +
                    "' --title 'sessionspec certificate' --out '" + (dir / "report.html").string() +
                    "' --certificate '" + (dir / "certificate.json").string() + "'";
  if (fs::exists(dir / "mutants.json")) {
    cmd += " --mutants '" + (dir / "mutants.json").string() + "'";
  }
  cmd += " '" + traces + "'";
  if (std::system(cmd.c_str()) != 0) {
    return "certify: the report generator failed (" + cmd + ")";
  }
  return std::nullopt;
}

}  // namespace ss::certify
