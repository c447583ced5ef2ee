#include "cli/explore_shard.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <fstream>

#include "certify/shard.hpp"
#include "cli/commands.hpp"

namespace ss::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json summary_json(const ExploreSummary& s) {
  json violation = nullptr;
  if (s.violation) {
    const auto& v = *s.violation;
    violation = {{"schedule_index", v.index},
                 {"property", v.property},
                 {"detail", v.detail},
                 {"schedule", v.schedule},
                 {"replay", v.replay}};
  }
  return {{"schedules_run", s.schedules_run},
          {"exhausted", s.exhausted},
          {"violation", violation},
          // Like the printed result: findings are counted only when no violation stopped it.
          {"findings", s.violation ? json(nullptr) : json(s.findings)}};
}

ExploreSummary summary_from_json(const json& j) {
  ExploreSummary s;
  s.schedules_run = j.at("schedules_run").get<std::size_t>();
  s.exhausted = j.at("exhausted").get<bool>();
  if (!j.at("violation").is_null()) {
    const json& v = j.at("violation");
    s.violation = ExploreSummary::Found{
        v.at("schedule_index").get<std::size_t>(), v.at("property").get<std::string>(),
        v.at("detail").get<std::string>(), v.at("schedule").get<std::string>(),
        v.at("replay").get<std::string>()};
  }
  if (!j.at("findings").is_null()) {
    s.findings = j.at("findings").get<std::map<std::string, std::size_t>>();
  }
  return s;
}

std::optional<std::string> write_json_file(const fs::path& file, const json& j) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  out.close();
  if (!out) return "cannot write '" + file.string() + "'";
  return std::nullopt;
}

/// The result of shards that together ran every schedule up to the first violation: the
/// earliest violation wins (every schedule before it ran in some shard), else the sums.
ExploreSummary merged_summary(const certify::ShardSet& set) {
  ExploreSummary out;
  std::size_t run = 0;
  for (const json& record : set.records) {
    const ExploreSummary s = summary_from_json(record.at("summary"));
    run += s.schedules_run;
    out.exhausted = out.exhausted || s.exhausted;
    for (const auto& [property, count] : s.findings) out.findings[property] += count;
    if (s.violation && (!out.violation || s.violation->index < out.violation->index)) {
      out.violation = s.violation;
    }
  }
  // An unsharded run stops at the violation: it ran exactly the schedules before it.
  out.schedules_run = out.violation ? out.violation->index : run;
  if (out.violation) out.findings.clear();
  return out;
}

}  // namespace

std::optional<std::string> write_explore_outputs(const std::string& dir, const json& plan,
                                                 std::uint64_t seed, const base::Shard& shard,
                                                 const ExploreSummary& summary) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  json result = plan;
  result["version"] = 1;
  result["seed"] = seed;
  result["result"] = summary_json(summary);
  if (auto e = write_json_file(fs::path(dir) / "explore.json", result)) return e;
  json record =
      certify::shard_head("explore", seed, plan, shard, plan.at("schedules").get<std::size_t>());
  record["units_listed"] = false;
  record["summary"] = summary_json(summary);
  return certify::write_shard_record(dir, record);
}

int merge_explore(const certify::ShardSet& set, const std::string& out_dir) {
  const ExploreSummary s = merged_summary(set);
  json result = set.records.front().at("plan");
  result["version"] = 1;
  result["seed"] = set.records.front().at("seed");
  result["result"] = summary_json(s);
  if (auto e = write_json_file(fs::path(out_dir) / "explore.json", result)) {
    return input_error("merge: --out: " + *e);
  }
  if (s.violation) {
    fmt::print("merged {} shards: VIOLATION {} at schedule {}\nreplay: {}\n", set.records.size(),
               s.violation->property, s.violation->index, s.violation->replay);
    return exit_conformance;
  }
  fmt::print("merged {} shards: no violation in {} schedules\n", set.records.size(),
             s.schedules_run);
  for (const auto& [property, count] : s.findings) {
    fmt::print("finding: {} in {} schedules (allowed by the handler's declared guarantee)\n",
               property, count);
  }
  return exit_ok;
}

}  // namespace ss::cli
