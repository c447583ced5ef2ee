#include "certify/merge.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "base/shard.hpp"
#include "certify/shard.hpp"

namespace ss::certify {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// A shard record is a few megabytes at most (a row's trace ranges, not its traces); this bounds
/// what merge reads from a directory that holds something else.
constexpr std::uintmax_t record_bytes_max = std::uintmax_t{1} << 30;

std::variant<json, std::string> read_record(const std::string& dir) {
  const fs::path file = fs::path(dir) / shard_file_name;
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return "merge: " + dir + ": no shard record " + file.string() + " (" + ec.message() + ")";
  if (size > record_bytes_max) return "merge: " + file.string() + ": larger than 1 GiB";
  std::ifstream in(file, std::ios::binary);
  json j = json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "sessionspec-shard") {
    return "merge: " + file.string() + ": not a sessionspec shard record";
  }
  return j;
}

/// Why `r` cannot be a shard of the campaign `first` starts; nullopt when it can.
std::optional<std::string> mismatch(const json& first, const json& r) {
  if (r.at("version") != first.at("version")) return "another shard record version";
  if (r.at("verb") != first.at("verb")) {
    return "a shard of `" + r.at("verb").get<std::string>() + "`, not of `" +
           first.at("verb").get<std::string>() + "`";
  }
  if (r.at("tool") != first.at("tool")) {
    return "made by sessionspec " + r.at("tool").at("version").get<std::string>() + " (commit " +
           r.at("tool").at("commit").get<std::string>() + "), not " +
           first.at("tool").at("version").get<std::string>() + " (commit " +
           first.at("tool").at("commit").get<std::string>() + ")";
  }
  if (r.at("seed") != first.at("seed")) {
    return "seed " + r.at("seed").dump() + ", not " + first.at("seed").dump();
  }
  if (r.at("plan") != first.at("plan")) return "another plan: " + r.at("plan").dump();
  if (r.at("shard").at("total") != first.at("shard").at("total")) {
    return "one of " + r.at("shard").at("total").dump() + " shards, not of " +
           first.at("shard").at("total").dump();
  }
  if (r.at("units_total") != first.at("units_total")) {
    return r.at("units_total").dump() + " units, not " + first.at("units_total").dump();
  }
  return std::nullopt;
}

/// Orders the records by shard index; refuses a shard given twice or missing.
std::optional<std::string> order_shards(ShardSet& set) {
  const std::size_t total = set.records.front().at("shard").at("total").get<std::size_t>();
  std::vector<std::optional<std::size_t>> at(total);
  for (std::size_t k = 0; k < set.records.size(); ++k) {
    const std::size_t index = set.records[k].at("shard").at("index").get<std::size_t>();
    if (index < 1 || index > total) return "merge: " + set.dirs[k] + ": bad shard index";
    auto& slot = at[index - 1];
    if (slot) {
      return "merge: shard " + std::to_string(index) + "/" + std::to_string(total) +
             " given twice (overlapping shards): " + set.dirs[*slot] + " and " + set.dirs[k];
    }
    slot = k;
  }
  for (std::size_t i = 0; i < total; ++i) {
    if (!at[i]) {
      return "merge: shard " + std::to_string(i + 1) + "/" + std::to_string(total) +
             " is missing (" + std::to_string(set.records.size()) + " of " + std::to_string(total) +
             " shards given)";
    }
  }
  ShardSet sorted{set.verb, {}, {}, {}, {}};
  for (const auto& k : at) {
    sorted.records.push_back(std::move(set.records[*k]));
    sorted.dirs.push_back(std::move(set.dirs[*k]));
  }
  set = std::move(sorted);
  return std::nullopt;
}

/// Puts every unit in unit order; each must be its shard's and appear once.
std::optional<std::string> collect_units(ShardSet& set) {
  // A verb whose units are too many to list (explore's schedules) summarises each shard.
  if (!set.records.front().value("units_listed", true)) return std::nullopt;
  const std::size_t units_total = set.records.front().at("units_total").get<std::size_t>();
  const std::size_t total = set.records.size();
  std::vector<std::optional<std::pair<std::size_t, std::size_t>>> at(units_total);
  for (std::size_t k = 0; k < set.records.size(); ++k) {
    const json& units = set.records[k].at("units");
    for (std::size_t n = 0; n < units.size(); ++n) {
      const std::size_t u = units[n].at("unit").get<std::size_t>();
      if (u >= units_total || !base::Shard{k, total}.owns(u) || at[u]) {
        return "merge: " + set.dirs[k] + ": unit " + std::to_string(u) +
               " is not this shard's or appears twice";
      }
      at[u] = std::pair{k, n};
    }
  }
  for (std::size_t u = 0; u < units_total; ++u) {
    if (!at[u]) {
      return "merge: " + set.dirs[u % total] + ": unit " + std::to_string(u) +
             " is missing (an unfinished shard?)";
    }
    set.units.push_back(set.records[at[u]->first].at("units")[at[u]->second]);
    set.unit_record.push_back(at[u]->first);
  }
  return std::nullopt;
}

std::variant<std::string, std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::variant<std::string, std::string>(std::in_place_index<1>, "cannot read");
  return std::variant<std::string, std::string>(
      std::in_place_index<0>,
      std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

}  // namespace

std::variant<ShardSet, std::string> load_shard_set(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return std::string("merge: name the shards' directories");
  ShardSet set;
  try {
    for (const auto& dir : dirs) {
      auto r = read_record(dir);
      if (auto* e = std::get_if<std::string>(&r)) return *e;
      set.records.push_back(std::move(std::get<json>(r)));
      set.dirs.push_back(dir);
      if (auto why = mismatch(set.records.front(), set.records.back())) {
        return "merge: " + dir + " is not a shard of the campaign of " + dirs.front() + ": " + *why;
      }
    }
    set.verb = set.records.front().at("verb").get<std::string>();
    if (auto e = order_shards(set)) return *e;
    if (auto e = collect_units(set)) return *e;
  } catch (const json::exception& e) {
    return "merge: a shard record is malformed: " + std::string(e.what());
  }
  return set;
}

std::variant<Certificate, std::string> merge_certificate(const ShardSet& set,
                                                         const std::string& traces_file) {
  Certificate c = certificate_head_from_record(set.records.front());
  std::vector<std::string> traces;
  for (std::size_t k = 0; k < set.records.size(); ++k) {
    const Certificate head = certificate_head_from_record(set.records[k]);
    c.started_at = std::min(c.started_at, head.started_at);
    c.finished_at = std::max(c.finished_at, head.finished_at);
    // A shard cut short by --fail-fast leaves the merged certificate incomplete too.
    c.cut_short = c.cut_short || head.cut_short;
    auto text = read_file(fs::path(set.dirs[k]) / "traces.jsonl");
    if (text.index() == 1) return "merge: " + set.dirs[k] + ": cannot read traces.jsonl";
    traces.push_back(std::move(std::get<0>(text)));
  }
  std::ofstream out(traces_file, std::ios::binary | std::ios::trunc);
  for (std::size_t n = 0; n < set.units.size(); ++n) {
    const json& unit = set.units[n];
    c.rows.push_back(row_from_record(unit));
    const std::string& shard_traces = traces[set.unit_record[n]];
    const auto begin = unit.at("trace_begin").get<std::size_t>();
    const auto end = unit.at("trace_end").get<std::size_t>();
    if (begin > end || end > shard_traces.size()) {
      return "merge: " + set.dirs[set.unit_record[n]] + ": traces.jsonl is shorter than its " +
             "record says (a shard still running, or a file from another run?)";
    }
    out.write(shard_traces.data() + begin, static_cast<std::streamsize>(end - begin));
  }
  out.close();
  if (!out) return "merge: --out: cannot write '" + traces_file + "'";
  return c;
}

std::vector<MutantRow> merge_mutants(const ShardSet& set) {
  std::vector<MutantRow> rows;
  for (const json& unit : set.units) rows.push_back(mutant_row_from_record(unit));
  return rows;
}

}  // namespace ss::certify
