#include "certify/certificate.hpp"

#include <fmt/core.h>

#include <map>
#include <set>

#include "scenarios/trace.hpp"

namespace ss::certify {

using nlohmann::json;

std::vector<Verdict> verdicts(const Certificate& c) {
  std::vector<Verdict> out;
  out.reserve(c.rows.size());
  for (const Row& r : c.rows) out.push_back(r.verdict);
  return out;
}

json certificate_json(const Certificate& c) {
  json handlers = json::array(), props = json::array(), rows = json::array();
  std::set<std::string> seen_h, seen_p;
  for (const Row& r : c.rows) {
    if (seen_h.insert(r.handler).second) handlers.push_back(r.handler);
    if (seen_p.insert(r.property).second) {
      props.push_back({{"id", r.property}, {"title", r.title}, {"level", r.level}});
    }
    bool bin = false;
    rows.push_back({{"handler", r.handler},
                    {"property", r.property},
                    {"verdict", verdict_name(r.verdict)},
                    {"evidence", scenarios::bytes_json(r.evidence, bin)},
                    {"replay", r.replay}});
  }
  return {{"version", 1}, {"handlers", handlers}, {"properties", props}, {"verdicts", rows}};
}

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const unsigned char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += '?';
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

namespace {

void write_testcase(std::ostream& out, const Row& r) {
  out << "    <testcase classname=\"" << xml_escape(r.handler) << "\" name=\""
      << xml_escape(r.property) << "\" time=\"" << fmt::format("{:.3f}", r.time_ms / 1000) << "\">";
  if (r.verdict == Verdict::fail) {
    out << "<failure message=\"" << xml_escape(r.evidence.substr(0, 200)) << "\">"
        << xml_escape(r.evidence + "\nreplay: " + r.replay) << "</failure>";
  } else if (r.verdict == Verdict::skip) {
    out << "<skipped message=\"" << xml_escape(r.evidence) << "\"/>";
  } else {
    out << "<system-out>" << xml_escape(std::string(verdict_name(r.verdict)) + ": " + r.evidence)
        << "</system-out>";
  }
  out << "</testcase>\n";
}

}  // namespace

void write_junit(std::ostream& out, const Certificate& c) {
  std::map<std::string, std::vector<const Row*>> by_handler;
  for (const Row& r : c.rows) by_handler[r.handler].push_back(&r);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sessionspec certify\">\n";
  for (const auto& [handler, list] : by_handler) {
    std::size_t failures = 0, skipped = 0;
    for (const Row* r : list) {
      failures += r->verdict == Verdict::fail;
      skipped += r->verdict == Verdict::skip;
    }
    out << "  <testsuite name=\"" << xml_escape(handler) << "\" tests=\"" << list.size()
        << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\">\n";
    for (const Row* r : list) write_testcase(out, *r);
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace ss::certify
