#include "certify/shard.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/version.hpp"

namespace ss::certify {

using nlohmann::json;

namespace {

json budgets_record(const Budgets& b) {
  return {{"cases", b.cases},
          {"schedules", b.schedules},
          {"process_schedules", b.process_schedules},
          {"block_ms", b.block_ms},
          {"jobs", b.jobs}};
}

Budgets budgets_from_record(const json& j) {
  Budgets b;
  b.cases = j.at("cases").get<int>();
  b.schedules = j.at("schedules").get<std::size_t>();
  b.process_schedules = j.at("process_schedules").get<std::size_t>();
  b.block_ms = j.at("block_ms").get<int>();
  b.jobs = j.at("jobs").get<unsigned>();
  return b;
}

// Enums travel as their numbers: the record is read only by the tool version that wrote it
// (merge refuses records of another version).
template <class E>
int number(E e) {
  return static_cast<int>(e);
}

json guarantees_record(const handlers::Guarantees& g) {
  return {{"concurrency", number(g.concurrency)},
          {"expiry", number(g.store.expiry)},
          {"ttl_s", g.store.ttl_s},
          {"id_bytes_max", g.store.id_bytes_max},
          {"sessions_max", g.store.sessions_max},
          {"store_payload_bytes_max", g.store.payload_bytes_max},
          {"ids", number(g.store.ids)},
          {"payload_bytes_max", g.payload_bytes_max},
          {"faults",
           {{"recovery", number(g.faults.recovery)},
            {"recovery_ms", g.faults.recovery_ms},
            {"failed_write", number(g.faults.failed_write)},
            {"survives_restart", g.faults.survives_restart},
            {"local_disk", g.faults.local_disk}}}};
}

handlers::Guarantees guarantees_from_record(const json& j) {
  handlers::Guarantees g;
  g.concurrency = static_cast<handlers::Concurrency>(j.at("concurrency").get<int>());
  g.store.expiry = static_cast<model::Expiry>(j.at("expiry").get<int>());
  g.store.ttl_s = j.at("ttl_s").get<std::int64_t>();
  g.store.id_bytes_max = j.at("id_bytes_max").get<std::size_t>();
  g.store.sessions_max = j.at("sessions_max").get<std::size_t>();
  g.store.payload_bytes_max = j.at("store_payload_bytes_max").get<std::size_t>();
  g.store.ids = static_cast<model::IdPolicy>(j.at("ids").get<int>());
  g.payload_bytes_max = j.at("payload_bytes_max").get<std::size_t>();
  const json& f = j.at("faults");
  g.faults.recovery = static_cast<handlers::Recovery>(f.at("recovery").get<int>());
  g.faults.recovery_ms = f.at("recovery_ms").get<std::int64_t>();
  g.faults.failed_write = static_cast<handlers::FailedWrite>(f.at("failed_write").get<int>());
  g.faults.survives_restart = f.at("survives_restart").get<bool>();
  g.faults.local_disk = f.at("local_disk").get<bool>();
  return g;
}

json handler_record(const HandlerRecord& h) {
  return {{"name", h.name},
          {"uri", h.uri},
          {"kind", h.kind},
          {"guarantees", guarantees_record(h.guarantees)},
          {"assumed", h.assumed},
          {"filtered_levels", h.filtered_levels},
          {"declared_by", h.declared_by},
          {"class_name", h.class_name},
          {"shape", h.shape}};
}

HandlerRecord handler_from_record(const json& j) {
  HandlerRecord h;
  h.name = j.at("name").get<std::string>();
  h.uri = j.at("uri").get<std::string>();
  h.kind = j.at("kind").get<std::string>();
  h.guarantees = guarantees_from_record(j.at("guarantees"));
  h.assumed = j.at("assumed").get<std::vector<std::string>>();
  h.filtered_levels = j.at("filtered_levels").get<std::set<int>>();
  h.declared_by = j.at("declared_by").get<std::map<std::string, std::string>>();
  h.class_name = j.at("class_name").get<std::string>();
  h.shape = j.at("shape").get<std::string>();
  return h;
}

// Evidence, replay lines and traces may hold any bytes (a handler's answer): text that is not
// valid UTF-8, which a JSON string cannot hold, is kept as {"bytes": [...]}.
json bytes(const std::string& s) {
  try {
    (void)json(s).dump();
    return s;
  } catch (const json::type_error&) {
    return {{"bytes", std::vector<std::uint8_t>(s.begin(), s.end())}};
  }
}

std::string text_of(const json& j) {
  if (j.is_object()) {
    const auto b = j.at("bytes").get<std::vector<std::uint8_t>>();
    return std::string(b.begin(), b.end());
  }
  return j.get<std::string>();
}

json row_record(const Row& r, const RowShard::Taken& t) {
  json j = {{"unit", t.unit},
            {"trace_begin", t.trace_begin},
            {"trace_end", t.trace_end},
            {"handler", bytes(r.handler)},
            {"property", bytes(r.property)},
            {"title", bytes(r.title)},
            {"level", r.level},
            {"verdict", verdict_name(r.verdict)},
            {"evidence", bytes(r.evidence)},
            {"replay", bytes(r.replay)},
            {"engine", r.engine},
            {"time_ms", r.time_ms},
            {"counterexample", bytes(r.counterexample)},
            {"failing", json::array()}};
  for (const FailingScenario& f : r.failing) {
    j["failing"].push_back({{"scenario", bytes(f.scenario)},
                            {"failure", bytes(f.failure)},
                            {"replay", bytes(f.replay)}});
  }
  if (r.race) {
    j["race"] = {{"property", r.race->property},
                 {"schedule", r.race->schedule},
                 {"replay", bytes(r.race->replay)},
                 {"trace", bytes(r.race->trace.dump())}};
  }
  return j;
}

}  // namespace

json shard_head(const std::string& verb, std::uint64_t seed, json plan, const base::Shard& shard,
                std::size_t units_total) {
  return {{"format", "sessionspec-shard"},
          {"version", 1},
          {"verb", verb},
          {"tool", {{"version", base::version()}, {"commit", base::commit()}}},
          {"seed", seed},
          {"plan", std::move(plan)},
          {"shard", {{"index", shard.index + 1}, {"total", shard.total}}},
          {"units_total", units_total},
          {"units", json::array()}};
}

json certify_shard_record(const Plan& plan, const Certificate& c, const RowShard& rows) {
  json handlers = json::array(), names = json::array();
  for (const HandlerRecord& h : c.handlers) {
    handlers.push_back(handler_record(h));
    names.push_back(h.name);
  }
  // What must agree between shards: handlers by display name (--all puts scratch paths in
  // URIs, which differ from run to run), level, budgets, filters.
  json fingerprint = {{"handlers", names},
                      {"level", plan.level},
                      {"budgets", budgets_record(plan.budgets)},
                      {"only", plan.only}};
  json record = shard_head("certify", plan.seed, std::move(fingerprint), rows.shard, rows.next);
  record["certificate"] = {{"level_requested", c.level_requested},
                           {"budgets", budgets_record(c.budgets)},
                           {"only", c.only},
                           {"started_at", c.started_at},
                           {"finished_at", c.finished_at},
                           {"php_version", c.php_version ? json(*c.php_version) : json(nullptr)},
                           {"cut_short", c.cut_short},
                           {"handlers", handlers}};
  for (std::size_t i = 0; i < c.rows.size() && i < rows.taken.size(); ++i) {
    record["units"].push_back(row_record(c.rows[i], rows.taken[i]));
  }
  return record;
}

Row row_from_record(const json& j) {
  Row r;
  r.handler = text_of(j.at("handler"));
  r.property = text_of(j.at("property"));
  r.title = text_of(j.at("title"));
  r.level = j.at("level").get<int>();
  r.verdict = parse_verdict(j.at("verdict").get<std::string>()).value_or(Verdict::error);
  r.evidence = text_of(j.at("evidence"));
  r.replay = text_of(j.at("replay"));
  r.engine = j.at("engine").get<std::string>();
  r.time_ms = j.at("time_ms").get<double>();
  r.counterexample = text_of(j.at("counterexample"));
  for (const json& f : j.at("failing")) {
    r.failing.push_back(
        {text_of(f.at("scenario")), text_of(f.at("failure")), text_of(f.at("replay"))});
  }
  if (j.contains("race")) {
    const json& race = j.at("race");
    r.race =
        RaceEvidence{race.at("property").get<std::string>(), race.at("schedule").get<std::string>(),
                     text_of(race.at("replay")), json::parse(text_of(race.at("trace")))};
  }
  return r;
}

Certificate certificate_head_from_record(const json& record) {
  const json& c = record.at("certificate");
  Certificate out;
  out.tool_version = record.at("tool").at("version").get<std::string>();
  out.tool_commit = record.at("tool").at("commit").get<std::string>();
  out.seed = record.at("seed").get<std::uint64_t>();
  out.level_requested = c.at("level_requested").get<int>();
  out.budgets = budgets_from_record(c.at("budgets"));
  out.only = c.at("only").get<std::vector<std::string>>();
  out.started_at = c.at("started_at").get<std::string>();
  out.finished_at = c.at("finished_at").get<std::string>();
  if (!c.at("php_version").is_null()) out.php_version = c.at("php_version").get<std::string>();
  out.cut_short = c.at("cut_short").get<bool>();
  for (const json& h : c.at("handlers")) out.handlers.push_back(handler_from_record(h));
  return out;
}

json mutants_shard_record(const MutantsPlan& plan, const base::Shard& shard,
                          std::size_t units_total, const std::vector<std::size_t>& units,
                          const std::vector<MutantRow>& rows) {
  json fingerprint = {{"handler", plan.handler},
                      {"only", plan.only},
                      {"cases", plan.cases},
                      {"shrink", plan.shrink}};
  json record = shard_head("mutants", plan.seed, std::move(fingerprint), shard, units_total);
  for (std::size_t i = 0; i < rows.size() && i < units.size(); ++i) {
    const MutantRow& r = rows[i];
    record["units"].push_back({{"unit", units[i]},
                               {"name", r.info.name},
                               {"applicable", r.applicable},
                               {"rejected", r.result.rejected},
                               {"by", bytes(r.result.by)},
                               {"detail", bytes(r.result.detail)},
                               {"replay", bytes(r.result.replay)},
                               {"time_ms", r.result.time_ms}});
  }
  return record;
}

MutantRow mutant_row_from_record(const json& unit) {
  MutantRow row;
  const std::string name = unit.at("name").get<std::string>();
  for (const auto& m : handlers::mutant_catalogue()) {
    if (m.name == name) row.info = m;
  }
  row.info.name = name;
  row.applicable = unit.at("applicable").get<bool>();
  row.result.rejected = unit.at("rejected").get<bool>();
  row.result.by = text_of(unit.at("by"));
  row.result.detail = text_of(unit.at("detail"));
  row.result.replay = text_of(unit.at("replay"));
  row.result.time_ms = unit.at("time_ms").get<double>();
  return row;
}

std::optional<std::string> write_shard_record(const std::string& dir, const json& record) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string file = (std::filesystem::path(dir) / shard_file_name).string();
  errno = 0;
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << record.dump(1) << "\n";
  out.close();
  if (!out) {
    return "cannot write '" + file + "'" + (errno ? ": " + std::string(std::strerror(errno)) : "");
  }
  return std::nullopt;
}

}  // namespace ss::certify
