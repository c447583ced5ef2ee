#include "oracle/php_oracle.hpp"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "handlers/memory_handler.hpp"
#include "model/codec.hpp"
#include "scenarios/trace.hpp"

namespace ss::oracle {

using nlohmann::json;

namespace {

/// A PHP trace longer than this is cut off (a runaway harness must not exhaust memory).
constexpr std::size_t php_output_lines_max = 100'000;

/// Assigns <idN> placeholders in order of first appearance and remembers both directions.
class IdMap {
 public:
  std::string placeholder(const std::string& id) {
    auto [it, inserted] = to_placeholder_.try_emplace(id, "");
    if (inserted) {
      it->second = "<id" + std::to_string(to_placeholder_.size()) + ">";
      to_id_[it->second] = id;
    }
    return it->second;
  }
  [[nodiscard]] bool known(const std::string& id) const { return to_placeholder_.count(id) > 0; }
  [[nodiscard]] std::optional<std::string> id_of(const std::string& p) const {
    auto it = to_id_.find(p);
    if (it == to_id_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> to_placeholder_;
  std::map<std::string, std::string> to_id_;
};

bool is_id_method(const std::string& name) {
  return name == "read" || name == "write" || name == "destroy" || name == "validateId" ||
         name == "updateTimestamp";
}

/// Learns the ids an event mentions, then rewrites them.
void normalise_event(json& e, IdMap& ids) {
  const std::string kind = e.value("kind", "");
  const std::string name = e.value("name", "");
  auto learn = [&](const json& v) {
    if (v.is_string() && !v.get<std::string>().empty()) (void)ids.placeholder(v.get<std::string>());
  };
  if (kind == "request" && !e["args"].empty()) learn(e["args"][0]);
  if (kind == "handler" && is_id_method(name) && !e["args"].empty()) learn(e["args"][0]);
  if (kind == "handler" && name == "create_sid") learn(e["result"]);
  if (kind == "script" && (name == "session_id" || name == "session_create_id")) {
    learn(e["result"]);
    if (!e["args"].empty()) learn(e["args"][0]);
  }
  if (e.contains("id")) learn(e["id"]);
  auto rewrite = [&](json& v) {
    if (v.is_string() && ids.known(v.get<std::string>())) v = ids.placeholder(v.get<std::string>());
  };
  if (e.contains("args")) {
    for (auto& a : e["args"]) rewrite(a);
  }
  if (e.contains("result")) rewrite(e["result"]);
  if (e.contains("id")) rewrite(e["id"]);
  if (e.contains("set_cookie") && e["set_cookie"].is_array()) {
    for (auto& c : e["set_cookie"]) {
      learn(c);
      rewrite(c);
    }
  }
}

std::vector<json> parse_lines(const std::string& text, std::string& error) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      error = "unparsable trace line: " + line.substr(0, 200);
      return {};
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<json> model_trace(const scenarios::Scenario& sc, const scenarios::RunConfig& cfg,
                              std::string& error) {
  handlers::ManualClock clock(sc.clock_start_s);
  handlers::MemoryBackend backend(cfg.seed, clock);
  std::ostringstream out;
  scenarios::JsonTraceWriter writer(out);
  if (!scenarios::run_scenario(sc, cfg, backend, clock, {&writer}, error)) return {};
  return parse_lines(out.str(), error);
}

json call_json(const model::ScriptCall& c) {
  using model::Op;
  bool bin = false;
  json j = {{"op", std::string(model::op_name(c.op))}};
  auto key = [&]() -> json {
    if (const auto* i = std::get_if<std::int64_t>(&c.key)) return *i;
    return scenarios::bytes_json(std::get<std::string>(c.key), bin);
  };
  switch (c.op) {
    case Op::session_start:
      if (!c.options.empty()) j["options"] = c.options;
      break;
    case Op::session_regenerate_id: j["delete"] = c.flag; break;
    case Op::session_id:
      if (c.text) j["id"] = scenarios::bytes_json(*c.text, bin);
      break;
    case Op::session_create_id:
      if (c.text) j["prefix"] = scenarios::bytes_json(*c.text, bin);
      break;
    case Op::set:
    case Op::push:
      j["key"] = key();
      j["value"] = scenarios::bytes_json(model::serialize(c.value), bin);
      break;
    case Op::incr:
    case Op::unset:
    case Op::get: j["key"] = key(); break;
    case Op::advance: j["seconds"] = c.seconds; break;
    default: break;
  }
  if (bin) j["bin"] = true;
  return j;
}

}  // namespace

void normalise_ids(std::vector<json>& events) {
  IdMap ids;
  for (auto& e : events) normalise_event(e, ids);
}

json comparable(const json& e) {
  json out;
  for (const char* field : {"kind", "name", "request", "step", "args", "result"}) {
    if (e.contains(field)) out[field] = e[field];
  }
  const std::string kind = e.value("kind", "");
  if (kind == "script" || kind == "response") {
    for (const char* field : {"status", "id", "session"}) {
      if (e.contains(field)) out[field] = e[field];
    }
    json diags = json::array();
    for (const auto& d : e.value("diagnostics", json::array())) diags.push_back(d);
    out["diagnostics"] = diags;
  }
  return out;
}

namespace {

struct PhpRun {
  const scenarios::Scenario& sc;
  const OracleSetup& setup;
  std::string store_file;
  std::map<std::string, std::string> ini;
  std::string variant;
};

std::optional<std::vector<json>> run_php_request(const PhpRun& run, const json& program,
                                                 int number, std::string& error) {
  const std::string prog_file = run.setup.work_dir + "/request-" + std::to_string(number) + ".json";
  const std::string err_file = run.setup.work_dir + "/request-" + std::to_string(number) + ".err";
  {
    std::ofstream out(prog_file, std::ios::binary | std::ios::trunc);
    out << program.dump(-1, ' ', true);
    if (!out) {
      error = "cannot write " + prog_file;
      return std::nullopt;
    }
  }
  const std::string cmd = "timeout " + std::to_string(run.setup.timeout_s) + " " + run.setup.php +
                          " -n '" + run.setup.harness_dir + "/harness.php' '" + prog_file +
                          "' 2>'" + err_file + "'";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    error = "cannot run " + run.setup.php;
    return std::nullopt;
  }
  std::string text;
  char buf[8192];
  std::size_t lines = 0;
  while (std::fgets(buf, sizeof buf, pipe) != nullptr && lines < php_output_lines_max) {
    text += buf;
    lines += text.back() == '\n' ? 1 : 0;
  }
  const int status = ::pclose(pipe);
  if (status != 0) {
    std::ifstream err(err_file);
    std::string why((std::istreambuf_iterator<char>(err)), {});
    error = "PHP request " + std::to_string(number) + " failed (status " + std::to_string(status) +
            "): " + why.substr(0, 500);
    return std::nullopt;
  }
  auto events = parse_lines(text, error);
  if (!error.empty()) return std::nullopt;
  return events;
}

json program_for(const PhpRun& run, std::size_t index, const std::optional<std::string>& cookie,
                 std::int64_t now_s, int seq_start) {
  json prog = {{"scenario", run.sc.name}, {"request", static_cast<int>(index) + 1},
               {"seq_start", seq_start}, {"variant", run.variant}, {"ini", run.ini},
               {"store_file", run.store_file}, {"now", now_s}};
  bool bin = false;
  prog["cookie"] = cookie ? scenarios::bytes_json(*cookie, bin) : json(nullptr);
  if (bin) prog["bin"] = true;
  if (index == 0) {
    json seeds = json::array();
    for (const auto& s : run.sc.store) {
      bool sbin = false;
      json seed = {{"id", s.id}, {"data", scenarios::bytes_json(s.data, sbin)}, {"age_s", s.age_s}};
      if (sbin) seed["bin"] = true;
      seeds.push_back(seed);
    }
    prog["seed"] = seeds;
  }
  json calls = json::array();
  for (const auto& st : run.sc.requests[index].steps) calls.push_back(call_json(st.call));
  prog["calls"] = calls;
  return prog;
}

std::string first_difference(const std::vector<json>& model, const std::vector<json>& php) {
  const std::size_t n = std::min(model.size(), php.size());
  for (std::size_t i = 0; i < n; ++i) {
    const json a = comparable(model[i]);
    const json b = comparable(php[i]);
    if (a != b) {
      return "event " + std::to_string(i + 1) + " (request " + std::to_string(a.value("request", 0)) +
             ", step " + std::to_string(a.value("step", 0)) + ")\n  model: " + a.dump() +
             "\n  php:   " + b.dump();
    }
  }
  if (model.size() != php.size()) {
    const auto& longer = model.size() > php.size() ? model : php;
    return std::string(model.size() > php.size() ? "the model" : "PHP") + " has more events, from " +
           comparable(longer[n]).dump();
  }
  return {};
}

std::int64_t advanced_s(const scenarios::Request& req) {
  std::int64_t total = 0;
  for (const auto& st : req.steps) {
    if (st.call.op == model::Op::advance) total += st.call.seconds;
  }
  return total;
}

}  // namespace

std::optional<OracleResult> compare_with_php(const scenarios::Scenario& sc,
                                             const scenarios::RunConfig& cfg,
                                             const OracleSetup& setup, std::string& error) {
  // A private save path: the sessionhandler variant stores through PHP's files module there, and
  // files left by other runs would change what gc() counts.
  ::mkdir(setup.work_dir.c_str(), 0700);
  scenarios::RunConfig private_cfg = cfg;
  private_cfg.ini.emplace_back("save_path", setup.work_dir + "/files");
  std::vector<json> model = model_trace(sc, private_cfg, error);
  if (model.empty()) return std::nullopt;
  const json head = model.front();
  model.erase(model.begin());
  IdMap model_ids, php_ids;
  for (auto& e : model) normalise_event(e, model_ids);

  PhpRun run{sc, setup, setup.work_dir + "/store.ser", head["ini"], head["variant"]};
  std::remove(run.store_file.c_str());
  OracleResult result;
  std::optional<std::string> jar;
  std::int64_t now = sc.clock_start_s;
  int seq = 1;
  for (std::size_t k = 0; k < sc.requests.size(); ++k) {
    const auto& req = sc.requests[k];
    std::optional<std::string> cookie = jar;
    if (req.cookie_mode == scenarios::Request::CookieMode::none) cookie.reset();
    if (req.cookie_mode == scenarios::Request::CookieMode::explicit_id) cookie = req.cookie;
    auto events = run_php_request(run, program_for(run, k, cookie, now, seq), int(k) + 1, error);
    if (!events) return std::nullopt;
    for (auto& e : *events) normalise_event(e, php_ids);
    seq += static_cast<int>(events->size());
    result.php.insert(result.php.end(), events->begin(), events->end());
    now += advanced_s(req);
    // The browser keeps the id PHP issued where the model says a Set-Cookie was sent.
    for (const auto& e : model) {
      if (e.value("kind", "") != "response" || e.value("request", 0) != int(k) + 1) continue;
      const auto& sent = e["set_cookie"];
      if (!sent.empty()) jar = php_ids.id_of(sent.back().get<std::string>());
    }
  }
  result.model = std::move(model);
  std::string diff = first_difference(result.model, result.php);
  if (!diff.empty()) result.difference = diff;
  return result;
}

}  // namespace ss::oracle
