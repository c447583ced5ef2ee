#include "certify/certificate.hpp"

#include <fmt/core.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "certify/level4.hpp"

namespace ss::certify {

using nlohmann::json;

namespace {

/// The length of the well-formed UTF-8 sequence at `s[i]` that XML can hold, or 0.
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  const bool excluded = (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF;
  return overlong || excluded || cp > 0x10FFFF ? 0 : n;
}

/// `text` as readable, valid UTF-8: well-formed sequences kept, every other byte and every
/// control character but tab, newline and carriage return written as \xNN.
std::string readable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence(text, i);
    const auto c = static_cast<unsigned char>(text[i]);
    const bool control = n == 1 && (c < 0x20 || c == 0x7F) && c != '\t' && c != '\n' && c != '\r';
    if (n == 0 || control) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

std::string_view expiry_name(model::Expiry e) {
  switch (e) {
    case model::Expiry::gc_only: return "gc_only";
    case model::Expiry::ttl: return "ttl";
    case model::Expiry::lazy: return "lazy";
  }
  return "gc_only";
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::certified: return "certified";
    case Outcome::not_certified: return "not_certified";
    case Outcome::incomplete: return "incomplete";
  }
  return "incomplete";
}

/// The declared fault behaviour (handlers::FaultBehaviour) level 4 is judged by.
json faults_json(const handlers::FaultBehaviour& f) {
  return {{"recovery", handlers::recovery_name(f.recovery)},
          {"recovery_ms", f.recovery_ms},
          {"failed_write", handlers::failed_write_name(f.failed_write)},
          {"survives_restart", f.survives_restart},
          {"local_disk", f.local_disk}};
}

json handler_json(const Certificate& c, const HandlerRecord& h) {
  const handlers::Guarantees& g = h.guarantees;
  json j = {{"name", h.name},
            {"uri", readable(h.uri)},
            {"kind", h.kind},
            {"guarantees",
             {{"concurrency", handlers::concurrency_name(g.concurrency)},
              {"expiry", expiry_name(g.store.expiry)},
              {"ttl_s", g.store.ttl_s},
              {"id_bytes_max", g.store.id_bytes_max},
              {"payload_bytes_max", g.payload_bytes_max},
              {"faults", faults_json(g.faults)}}},
            {"assumed", h.assumed},
            {"level_achieved", level_achieved(c, h.name)}};
  if (!h.class_name.empty()) j["class"] = {{"name", h.class_name}, {"shape", h.shape}};
  if (!h.declared_by.empty()) j["declared_by"] = h.declared_by;
  return j;
}

json row_json(const Row& r) {
  json j = {{"handler", r.handler},
            {"property", r.property},
            {"verdict", verdict_name(r.verdict)},
            {"evidence", readable(r.evidence)},
            {"replay", r.replay.empty() ? json(nullptr) : json(readable(r.replay))},
            {"level", r.level},
            {"engine", r.engine},
            {"time_ms", std::round(r.time_ms * 10) / 10}};
  if (!r.counterexample.empty()) j["counterexample"] = readable(r.counterexample);
  for (const FailingScenario& f : r.failing) {
    j["failing"].push_back({{"scenario", readable(f.scenario)},
                            {"failure", readable(f.failure)},
                            {"replay", readable(f.replay)}});
  }
  return j;
}

/// The prefix of L3 row ids; the rest is the race scenario's name.
constexpr std::string_view race_row_prefix = "L3.race.";

json race_json(const Row& r) {
  const RaceEvidence& ev = *r.race;
  std::string scenario = r.property;
  for (const std::string_view prefix : {race_row_prefix, fault_row_prefix}) {
    if (r.property.rfind(prefix, 0) == 0) scenario = r.property.substr(prefix.size());
  }
  return {{"scenario", scenario},
          {"engine", r.engine},
          {"handler", r.handler},
          {"property", ev.property},
          {"schedule", ev.schedule},
          {"replay", ev.replay.empty() ? json(nullptr) : json(readable(ev.replay))},
          {"verdict", verdict_name(r.verdict)},
          {"row", r.property},
          {"trace", ev.trace}};
}

}  // namespace

bool has_races(const Certificate& c) {
  return std::any_of(c.rows.begin(), c.rows.end(), [](const Row& r) { return r.race.has_value(); });
}

json races_json(const Certificate& c) {
  json races = json::array();
  for (const Row& r : c.rows) {
    if (r.race) races.push_back(race_json(r));
  }
  return {{"version", 1}, {"races", std::move(races)}};
}

std::vector<Verdict> verdicts(const Certificate& c) {
  std::vector<Verdict> out;
  out.reserve(c.rows.size());
  for (const Row& r : c.rows) out.push_back(r.verdict);
  return out;
}

int level_achieved(const Certificate& c, const std::string& handler) {
  const auto record = std::find_if(c.handlers.begin(), c.handlers.end(),
                                   [&](const HandlerRecord& h) { return h.name == handler; });
  int achieved = 0;
  for (int level = 1; level <= c.level_requested; ++level) {
    if (record != c.handlers.end() && record->filtered_levels.count(level)) break;
    bool any = false;
    bool held = true;
    for (const Row& r : c.rows) {
      if (r.handler != handler || r.level != level) continue;
      any = true;
      held = held && r.verdict != Verdict::fail && r.verdict != Verdict::error;
    }
    if (!any || !held) break;
    achieved = level;
  }
  return achieved;
}

int level_achieved(const Certificate& c) {
  if (c.handlers.empty()) return 0;
  int lowest = level_max;
  for (const HandlerRecord& h : c.handlers) lowest = std::min(lowest, level_achieved(c, h.name));
  return lowest;
}

std::string guarantees_line(const HandlerRecord& h) {
  // A user's class, or an exec: handler that declares something in its greeting.
  if (h.class_name.empty() && h.declared_by.empty()) return "";
  const handlers::Guarantees& g = h.guarantees;
  const std::pair<std::string, std::string> fields[] = {
      {"concurrency", std::string(handlers::concurrency_name(g.concurrency))},
      {"expiry", std::string(expiry_name(g.store.expiry))},
      {"ttl_s", std::to_string(g.store.ttl_s)},
      {"id_bytes_max", std::to_string(g.store.id_bytes_max)},
      {"payload_bytes_max", std::to_string(g.payload_bytes_max)}};
  std::string out = h.class_name.empty() ? "declared" : h.class_name + " (" + h.shape + "):";
  for (const auto& [key, value] : fields) {
    const auto by = h.declared_by.find(key);
    out += " " + key + "=" + value + " (" + (by == h.declared_by.end() ? "assumed" : by->second) +
           ")" + (key == "payload_bytes_max" ? "" : ";");
  }
  return out;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

json certificate_json(const Certificate& c) {
  json handlers = json::array(), details = json::array(), props = json::array(),
       rows = json::array();
  std::set<std::string> seen_p, engines;
  for (const HandlerRecord& h : c.handlers) {
    handlers.push_back(h.name);
    details.push_back(handler_json(c, h));
  }
  for (const Row& r : c.rows) {
    if (seen_p.insert(r.property).second) {
      props.push_back({{"id", r.property}, {"title", r.title}, {"level", r.level}});
    }
    if (!r.engine.empty()) engines.insert(r.engine);
    rows.push_back(row_json(r));
  }
  json out = {
      {"version", 1},
      {"tool", {{"name", "sessionspec"}, {"version", c.tool_version}, {"commit", c.tool_commit}}},
      {"seed", c.seed},
      {"level_requested", c.level_requested},
      {"level_achieved", level_achieved(c)},
      {"outcome", outcome_name(outcome(verdicts(c)))},
      {"budgets",
       {{"cases", c.budgets.cases},
        {"schedules", c.budgets.schedules},
        {"process_schedules", c.budgets.process_schedules},
        {"block_ms", c.budgets.block_ms}}},
      {"only", c.only},
      {"started_at", c.started_at},
      {"finished_at", c.finished_at},
      {"php_version", c.php_version ? json(*c.php_version) : json(nullptr)},
      {"engines", engines},
      {"handlers", handlers},
      {"handler_details", details},
      {"properties", props},
      {"verdicts", rows}};
  // Only a run --fail-fast stopped says so: the field is absent otherwise.
  if (c.cut_short) out["cut_short"] = true;
  return out;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  const std::string clean = readable(text);
  out.reserve(clean.size());
  for (const char c : clean) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

/// The first line of `text`, at most `width` bytes (a message attribute).
std::string headline(const std::string& text, std::size_t width) {
  return text.substr(0, std::min(text.find('\n'), width));
}

void write_testcase(std::ostream& out, const Row& r) {
  const std::string verdict(verdict_name(r.verdict));
  out << "    <testcase classname=\"" << xml_escape(r.handler) << "\" name=\""
      << xml_escape(r.property) << "\" time=\"" << fmt::format("{:.3f}", r.time_ms / 1000)
      << "\">\n      <properties><property name=\"verdict\" value=\"" << verdict
      << "\"/><property name=\"level\" value=\"" << r.level << "\"/></properties>\n      ";
  const std::string detail = r.evidence + (r.replay.empty() ? "" : "\nreplay: " + r.replay);
  switch (r.verdict) {
    case Verdict::fail:
      out << "<failure message=\"" << xml_escape(headline(r.evidence, 200)) << "\">"
          << xml_escape(detail) << "</failure>";
      break;
    case Verdict::error:
      out << "<error message=\"" << xml_escape(headline(r.evidence, 200)) << "\">"
          << xml_escape(detail) << "</error>";
      break;
    case Verdict::finding:
    case Verdict::skip:
      out << "<skipped message=\"" << xml_escape(verdict + ": " + headline(r.evidence, 200))
          << "\"/>";
      break;
    case Verdict::pass: break;
  }
  // Every verdict's evidence, first word the verdict (what CI logs show).
  out << "<system-out>" << xml_escape(verdict + ": " + detail)
      << "</system-out>\n    </testcase>\n";
}

}  // namespace

void write_junit(std::ostream& out, const Certificate& c) {
  std::map<std::string, std::vector<const Row*>> by_handler;
  for (const Row& r : c.rows) by_handler[r.handler].push_back(&r);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sessionspec certify\">\n";
  for (const auto& [handler, list] : by_handler) {
    std::size_t failures = 0, errors = 0, skipped = 0;
    for (const Row* r : list) {
      failures += r->verdict == Verdict::fail;
      errors += r->verdict == Verdict::error;
      skipped += r->verdict == Verdict::skip || r->verdict == Verdict::finding;
    }
    out << "  <testsuite name=\"" << xml_escape(handler) << "\" tests=\"" << list.size()
        << "\" failures=\"" << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped
        << "\">\n";
    for (const Row* r : list) write_testcase(out, *r);
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

}  // namespace ss::certify
