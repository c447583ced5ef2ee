#include "oracle/php_oracle.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

/// The smallest of PHP's id alphabets an id fits: hex (sid_bits_per_character 4, [0-9a-f]), b32
/// (5, [0-9a-v]), b64 (6, [0-9a-zA-Z,-]), or other. A random id of a larger alphabet falls into a
/// smaller one by chance only with probability 2^-length (2^-26 for PHP's default ids).
std::string id_alphabet(const std::string& id) {
  if (id.find_first_not_of("0123456789abcdef") == std::string::npos) return "hex";
  if (id.find_first_not_of("0123456789abcdefghijklmnopqrstuv") == std::string::npos) return "b32";
  static const std::string b64 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,-";
  return id.find_first_not_of(b64) == std::string::npos ? "b64" : "other";
}

/// Assigns <idN:LENGTH:ALPHABET> placeholders in order of first appearance and remembers both
/// directions: ids are random on both sides, but their length and alphabet are not, so those
/// stay in the placeholder and are compared.
class IdMap {
 public:
  std::string placeholder(const std::string& id) {
    auto [it, inserted] = to_placeholder_.try_emplace(id, "");
    if (inserted) {
      it->second = "<id" + std::to_string(to_placeholder_.size()) + ":" +
                   std::to_string(id.size()) + ":" + id_alphabet(id) + ">";
      to_id_[it->second] = id;
    }
    return it->second;
  }
  [[nodiscard]] bool known(const std::string& id) const { return to_placeholder_.count(id) > 0; }
  [[nodiscard]] std::optional<std::string> placeholder_of(const std::string& id) const {
    auto it = to_placeholder_.find(id);
    if (it == to_placeholder_.end()) return std::nullopt;
    return it->second;
  }
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
/// A string field, or "" when absent or not a string (traces come from outside: any shape).
std::string text_field(const json& e, const char* key) {
  if (!e.is_object()) return {};
  auto it = e.find(key);
  return (it != e.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

/// An integer field, or 0 when absent or not an integer.
long long int_field(const json& e, const char* key) {
  if (!e.is_object()) return 0;
  auto it = e.find(key);
  return (it != e.end() && it->is_number_integer()) ? it->get<long long>() : 0;
}

void normalise_event(json& e, IdMap& ids) {
  // Traces come from outside (PHP, files): tolerate any shape, normalise only what fits.
  if (!e.is_object()) return;
  if (!e.contains("args") || !e["args"].is_array()) return;
  const std::string kind = text_field(e, "kind");
  const std::string name = text_field(e, "name");
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
  // Set-Cookie ids are not learned: PHP's trace has none (the CLI keeps no headers), so an id
  // only a Set-Cookie line names would number the model's ids ahead of PHP's.
  if (e.contains("set_cookie") && e["set_cookie"].is_array()) {
    for (auto& c : e["set_cookie"]) rewrite(c);
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

/// The model's side: the memory handler keeps any id, as the harness's tracing store of a user
/// handler does; a SessionHandler subclass proxies PHP's files module, which refuses ids outside
/// [A-Za-z0-9,-], and so does the memory handler then.
std::vector<json> model_trace(const scenarios::Scenario& sc, const scenarios::RunConfig& cfg,
                              std::string& error) {
  handlers::ManualClock clock(sc.clock_start_s);
  model::RunOptions opts;
  model::Variant variant = model::Variant::full;
  if (auto e = scenarios::resolve_options(sc, cfg, opts, variant)) {
    error = *e;
    return {};
  }
  handlers::MemoryBackend backend(cfg.seed, clock,
                                  variant == model::Variant::sessionhandler
                                      ? model::IdPolicy::files_charset
                                      : model::IdPolicy::any);
  std::ostringstream out;
  scenarios::JsonTraceWriter writer(out);
  if (!scenarios::run_scenario(sc, cfg, backend, clock, {&writer}, error)) return {};
  return parse_lines(out.str(), error);
}

}  // namespace

json call_program(const model::ScriptCall& c) {
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
    case Op::throw_:
    case Op::fatal:
      if (c.text) j["message"] = scenarios::bytes_json(*c.text, bin);
      break;
    case Op::session_decode: j["data"] = scenarios::bytes_json(c.text.value_or(""), bin); break;
    case Op::ini_get: j["key"] = c.text.value_or(""); break;
    case Op::ini_set:
      j["key"] = c.text.value_or("");
      j["value"] =
          scenarios::bytes_json(c.options.count("value") ? c.options.at("value") : "", bin);
      break;
    case Op::on_shutdown:
      j["call"] = call_program(c.deferred.at(0));
      j["text"] = scenarios::bytes_json(scenarios::deferred_text(c.deferred.at(0)), bin);
      break;
    default: break;
  }
  if (bin) j["bin"] = true;
  return j;
}

json fault_program(const model::Fault& f) {
  bool bin = false;
  json j = {{"method", std::string(model::method_name(f.method))}, {"n", f.occurrence}};
  const std::string prefix = "RuntimeException: ";
  if (f.answer.kind == model::Answer::Kind::exception) {
    const std::string& r = f.answer.reason;
    j["throw"] = scenarios::bytes_json(r.rfind(prefix, 0) == 0 ? r.substr(prefix.size()) : r, bin);
  } else if (f.answer.kind == model::Answer::Kind::failure) {
    j["timeout"] = true;
  } else {
    j["return"] = scenarios::bytes_json(model::serialize(model::answer_value(f.answer)), bin);
  }
  if (bin) j["bin"] = true;
  return j;
}

std::string find_harness_dir(const std::string& given) {
  namespace fs = std::filesystem;
  if (!given.empty()) return given;
  std::vector<fs::path> candidates;
  if (const char* src = std::getenv("SESSIONSPEC_SOURCE_DIR")) candidates.emplace_back(src);
  candidates.emplace_back(fs::current_path());
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path().parent_path());
  for (const auto& base : candidates) {
    if (fs::exists(base / "oracle" / "harness.php", ec)) return (base / "oracle").string();
  }
  return {};
}

bool php_runs(const OracleSetup& setup) {
  std::string cmd;
  for (const auto& arg : php_command(setup, "-r")) {
    if (arg.find('\'') != std::string::npos) return false;
    cmd += "'" + arg + "' ";
  }
  return std::system((cmd + "'exit(0);' >/dev/null 2>&1").c_str()) == 0;
}

bool reset_module_store(PhpWorker& worker, const ModuleSetup& store, const json& ini,
                        const std::vector<scenarios::StoredSeed>& seeds, std::int64_t now_s,
                        std::string& error) {
  json seed = json::array();
  for (const auto& s : seeds) {
    bool bin = false;
    json one = {{"id", s.id}, {"data", scenarios::bytes_json(s.data, bin)}, {"age_s", s.age_s}};
    if (bin) one["bin"] = true;
    seed.push_back(one);
  }
  const json program = {{"scenario", "reset-store"},
                        {"variant", "sessionhandler"},
                        {"module", store.module},
                        {"ini", ini},
                        {"now", now_s},
                        {"fresh", true},
                        {"seed", seed},
                        {"calls", json::array()}};
  std::vector<json> events;
  if (worker.run(program, events, error) != PhpWorker::Reply::done) {
    error = "cannot reset the " + store.module + " module's store: " + error;
    return false;
  }
  return true;
}

void normalise_ids(std::vector<json>& events) {
  IdMap ids;
  for (auto& e : events) normalise_event(e, ids);
}

namespace {

/// A "bin" event's strings back to the bytes they stand for (docs/trace-format.md): the model
/// escapes every byte >= 0x80, PHP only when a string is not UTF-8, so the two sides agree on
/// bytes, not on JSON text.
void to_bytes(json& v) {
  if (v.is_string()) {
    v = scenarios::json_bytes(v, true);
  } else if (v.is_array() || v.is_object()) {
    for (auto& item : v) to_bytes(item);
  }
}

}  // namespace

json comparable(const json& e) {
  json out;
  if (!e.is_object()) return json();
  if (e.contains("bin") && e["bin"] == true) {
    json bytes = e;
    bytes.erase("bin");
    to_bytes(bytes);
    return comparable(bytes);
  }
  for (const char* field : {"kind", "name", "request", "step", "args", "result"}) {
    if (e.contains(field)) out[field] = e[field];
  }
  const std::string kind = text_field(e, "kind");
  // A handler's failure carries its reason in our traces; PHP only ever sees false.
  if (kind == "handler" && out.contains("result") && out["result"].is_object() &&
      out["result"].contains("error")) {
    out["result"] = false;
  }
  // Both sides must inject the same answers into the same calls.
  if (kind == "handler") out["injected"] = e.contains("injected") && e["injected"] == true;
  if (kind == "script" || kind == "response") {
    for (const char* field : {"status", "id", "session"}) {
      if (e.contains(field)) out[field] = e[field];
    }
    json diags = json::array();
    if (e.contains("diagnostics") && e["diagnostics"].is_array()) {
      for (const auto& d : e["diagnostics"]) diags.push_back(d);
    }
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

std::optional<std::vector<json>> run_php_request(const PhpRun& run, const json& program, int number,
                                                 bool& hung, std::string& error) {
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
  std::string cmd = "timeout " + std::to_string(run.setup.timeout_s);
  for (const auto& arg : php_command(run.setup, run.setup.harness_dir + "/harness.php")) {
    cmd += " '" + arg + "'";
  }
  cmd += " '" + prog_file + "' 2>'" + err_file + "'";
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
  // timeout(1) exits with 124 when it had to kill PHP.
  constexpr int timed_out = 124;
  if (WIFEXITED(status) && WEXITSTATUS(status) == timed_out) {
    error = "PHP request " + std::to_string(number) + " did not finish within " +
            std::to_string(run.setup.timeout_s) + " s (it hung, e.g. waiting for a lock)";
    hung = true;
    return std::nullopt;
  }
  auto events = parse_lines(text, error);
  // A fatal error at the end of the request (e.g. the shutdown write threw) exits 255 after the
  // harness wrote the response event from its destructor: the trace is complete.
  constexpr int fatal_exit = 255;
  const bool fatal_end = WIFEXITED(status) && WEXITSTATUS(status) == fatal_exit && error.empty() &&
                         std::any_of(events.begin(), events.end(), [](const json& e) {
                           return text_field(e, "kind") == "response";
                         });
  if (status != 0 && !fatal_end) {
    std::ifstream err(err_file);
    std::string why((std::istreambuf_iterator<char>(err)), {});
    error = "PHP request " + std::to_string(number) + " failed (status " + std::to_string(status) +
            "): " + why.substr(0, 500);
    return std::nullopt;
  }
  if (!error.empty()) return std::nullopt;
  return events;
}

json program_for(const PhpRun& run, std::size_t index, const std::optional<std::string>& cookie,
                 std::int64_t now_s, int seq_start) {
  json prog = {{"scenario", run.sc.name},
               {"request", static_cast<int>(index) + 1},
               {"seq_start", seq_start},
               {"variant", run.variant},
               {"ini", run.ini},
               {"store_file", run.store_file},
               {"now", now_s}};
  bool bin = false;
  prog["cookie"] = cookie ? scenarios::bytes_json(*cookie, bin) : json(nullptr);
  if (bin) prog["bin"] = true;
  if (run.setup.module) {
    prog["module"] = run.setup.module->module;
    for (const auto& [key, value] : run.setup.module->ini) prog["ini"][key] = value;
    // Every scenario starts from an empty store (the module keeps what earlier ones left).
    prog["fresh"] = index == 0;
  }
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
  for (const auto& st : run.sc.requests[index].steps) calls.push_back(call_program(st.call));
  prog["calls"] = calls;
  json faults = json::array();
  for (const auto& f : run.sc.requests[index].faults) faults.push_back(fault_program(f));
  if (!faults.empty()) prog["faults"] = faults;
  if (!run.sc.requests[index].register_shutdown) prog["register_shutdown"] = false;
  if (run.sc.requests[index].query) prog["query"] = *run.sc.requests[index].query;
  return prog;
}

std::string first_difference(const std::vector<json>& model, const std::vector<json>& php) {
  const std::size_t n = std::min(model.size(), php.size());
  for (std::size_t i = 0; i < n; ++i) {
    const json a = comparable(model[i]);
    const json b = comparable(php[i]);
    if (a != b) {
      constexpr auto lenient = json::error_handler_t::replace;  // bytes that are not UTF-8
      return "event " + std::to_string(i + 1) + " (request " +
             std::to_string(int_field(a, "request")) + ", step " +
             std::to_string(int_field(a, "step")) +
             ")\n  model: " + a.dump(-1, ' ', false, lenient) +
             "\n  php:   " + b.dump(-1, ' ', false, lenient);
    }
  }
  if (model.size() != php.size()) {
    const auto& longer = model.size() > php.size() ? model : php;
    return std::string(model.size() > php.size() ? "the model" : "PHP") +
           " has more events, from " +
           comparable(longer[n]).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return {};
}

}  // namespace

std::optional<std::string> trace_difference(std::vector<json> model, std::vector<json> php) {
  normalise_ids(model);
  normalise_ids(php);
  std::string diff = first_difference(model, php);
  if (diff.empty()) return std::nullopt;
  return diff;
}

namespace {

/// Runs the requests of `run.sc` in PHP (through `worker`, or one process each when it is null)
/// and appends their normalised events to `out`. Fails on the first request PHP could not run;
/// `fallback` is set when the worker asked for one-process-per-request.
bool php_trace(const PhpRun& run, const std::vector<json>& model_raw, const IdMap& model_ids,
               PhpWorker* worker, std::vector<json>& out, std::vector<json>& raw, bool& fallback,
               bool& hung, std::string& error) {
  const auto& sc = run.sc;
  std::remove(run.store_file.c_str());
  std::error_code ec;
  std::filesystem::remove_all(run.setup.work_dir + "/files", ec);
  IdMap php_ids;
  std::optional<std::string> jar;
  std::int64_t now = sc.clock_start_s;
  int seq = 1;
  for (std::size_t k = 0; k < sc.requests.size(); ++k) {
    const auto& req = sc.requests[k];
    std::optional<std::string> cookie = jar;
    if (req.cookie_mode == scenarios::Request::CookieMode::none) cookie.reset();
    if (req.cookie_mode == scenarios::Request::CookieMode::explicit_id) cookie = req.cookie;
    const json program = program_for(run, k, cookie, now, seq);
    std::optional<std::vector<json>> events;
    if (worker != nullptr) {
      std::vector<json> got;
      std::string why;
      const auto reply = worker->run(program, got, why);
      if (reply == PhpWorker::Reply::bad_program) {
        error = "PHP request " + std::to_string(k + 1) + ": bad program: " + why;
        return false;
      }
      if (reply == PhpWorker::Reply::timeout) {
        // A hang would hang one process per request just the same: no fallback.
        error = "PHP request " + std::to_string(k + 1) + ": " + why;
        hung = true;
        return false;
      }
      if (reply != PhpWorker::Reply::done) {
        fallback = true;
        error = why;
        return false;
      }
      events = std::move(got);
    } else {
      events = run_php_request(run, program, int(k) + 1, hung, error);
    }
    if (!events) return false;
    raw.insert(raw.end(), events->begin(), events->end());
    for (auto& e : *events) normalise_event(e, php_ids);
    seq += static_cast<int>(events->size());
    out.insert(out.end(), events->begin(), events->end());
    // The clock moved only as far as PHP got: a call that throws ends the script early.
    for (const auto& e : *events) {
      if (text_field(e, "kind") == "script" && text_field(e, "name") == "advance" &&
          e["args"].is_array() && !e["args"].empty() && e["args"][0].is_number_integer()) {
        now += e["args"][0].get<std::int64_t>();
      }
    }
    // The browser keeps the id PHP issued where the model says a Set-Cookie was sent: the
    // model's id, by its place in the model's whole trace, is PHP's id of that place.
    for (const auto& e : model_raw) {
      if (text_field(e, "kind") != "response" || int_field(e, "request") != int(k) + 1) continue;
      const auto& sent = e["set_cookie"];
      if (sent.is_array() && !sent.empty() && sent.back().is_string()) {
        const std::string cookie_id = scenarios::json_bytes(sent.back(), e.value("bin", false));
        const auto placeholder = model_ids.placeholder_of(sent.back().get<std::string>());
        if (placeholder) jar = php_ids.id_of(*placeholder);
        // An id PHP's trace never names (a Set-Cookie sent by a start that then failed, or an
        // empty one): the browser sends what the model's run sent.
        if (!placeholder || !jar) jar = cookie_id;
      }
    }
  }
  return true;
}

}  // namespace

std::optional<OracleResult> compare_with_php(const scenarios::Scenario& sc,
                                             const scenarios::RunConfig& cfg,
                                             const OracleSetup& setup, std::string& error,
                                             bool* hung) {
  // A private save path: the sessionhandler variant stores through PHP's files module there, and
  // files left by other runs would change what gc() counts (php_trace empties it per scenario).
  ::mkdir(setup.work_dir.c_str(), 0700);
  scenarios::RunConfig private_cfg = cfg;
  private_cfg.ini.emplace_back("save_path",
                               setup.module ? setup.module->save_path : setup.work_dir + "/files");
  // Real-engine mode: PHP's SessionHandler class is the only way to see a module's calls.
  if (setup.module) private_cfg.variant = model::Variant::sessionhandler;
  std::vector<json> model = model_trace(sc, private_cfg, error);
  if (model.empty()) return std::nullopt;
  const json head = model.front();
  model.erase(model.begin());
  std::vector<json> model_raw = model;
  IdMap model_ids;
  for (auto& e : model) normalise_event(e, model_ids);

  PhpRun run{sc, setup, setup.work_dir + "/store.ser", head["ini"], head["variant"]};
  OracleResult result;
  result.model_run = head;
  result.model_raw = std::move(model_raw);
  bool fallback = false;
  bool stuck = false;
  const auto stop = [&] {
    if (hung) *hung = stuck;
    return std::nullopt;
  };
  if (!php_trace(run, result.model_raw, model_ids, setup.worker, result.php, result.php_raw,
                 fallback, stuck, error)) {
    if (!fallback) return stop();
    // The worker could not reproduce a request in-process: the whole scenario again, from an
    // empty store, one PHP process per request.
    result.fell_back = true;
    result.fallback_reason = error;
    result.php.clear();
    result.php_raw.clear();
    error.clear();
    if (!php_trace(run, result.model_raw, model_ids, nullptr, result.php, result.php_raw, fallback,
                   stuck, error)) {
      return stop();
    }
  }
  result.model = std::move(model);
  std::string diff = first_difference(result.model, result.php);
  if (!diff.empty()) result.difference = diff;
  return result;
}

// ---- PhpWorker --------------------------------------------------------------------------------

/// The command line of a PHP process: `php -n [php_args...] SCRIPT`.
std::vector<std::string> php_command(const OracleSetup& setup, const std::string& script) {
  std::vector<std::string> argv{setup.php, "-n"};
  argv.insert(argv.end(), setup.php_args.begin(), setup.php_args.end());
  argv.push_back(script);
  return argv;
}

PhpWorker::PhpWorker(const OracleSetup& setup)
    : argv_(php_command(setup, setup.harness_dir + "/worker.php")), timeout_s_(setup.timeout_s) {}

PhpWorker::~PhpWorker() = default;

PhpWorker::Reply PhpWorker::run(const json& program, std::vector<json>& events,
                                std::string& message) {
  events.clear();
  if (!child_.running()) {
    if (!child_.start(argv_, message)) return Reply::failed;
    ++starts_;
  }
  const std::int64_t deadline = steady_ms() + std::int64_t{timeout_s_} * 1000;
  if (!child_.write(program.dump(-1, ' ', true) + "\n", deadline)) {
    child_.stop();
    message = "the PHP worker does not take requests (it died?)";
    return Reply::failed;
  }
  std::string line;
  PhpChild::Read got;
  while ((got = child_.read_line(line, deadline)) == PhpChild::Read::line) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      message = "the PHP worker wrote an unparsable line: " + line.substr(0, 200);
      break;
    }
    if (!j.contains("worker")) {
      events.push_back(std::move(j));
      continue;
    }
    const std::string status = j.value("worker", "");
    message = j.value("message", "");
    if (status == "done" && j.value("restart", false)) child_.stop();  // it exits by itself
    if (status == "done") return Reply::done;
    if (status == "bad_program") return Reply::bad_program;
    child_.stop();  // it exits after a fallback anyway
    return Reply::fallback;
  }
  child_.stop();
  if (got == PhpChild::Read::timeout) {
    message = "PHP did not finish the request within " + std::to_string(timeout_s_) +
              " s (it hung, e.g. waiting for a lock)";
    return Reply::timeout;
  }
  if (message.empty()) message = "the PHP worker died";
  return Reply::failed;
}

}  // namespace ss::oracle
