#include "oracle/php_oracle.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "handlers/memory_handler.hpp"
#include "scenarios/trace.hpp"

namespace ss::oracle {

using nlohmann::json;

namespace {

/// The model's side: the memory handler keeps any id, as the harness's tracing store of a user
/// handler does; a SessionHandler subclass proxies PHP's files module, which refuses ids outside
/// [A-Za-z0-9,-], and so does the memory handler then. It forgets sessions as the handler
/// declares (`setup.model_expiry`).
std::vector<json> model_trace(const scenarios::Scenario& sc, const scenarios::RunConfig& cfg,
                              const OracleSetup& setup, std::string& error) {
  handlers::ManualClock clock(sc.clock_start_s);
  auto resolved = scenarios::resolve_options(sc, cfg);
  if (!resolved) {
    error = resolved.error().message;
    return {};
  }
  handlers::MemoryBackend backend(cfg.seed, clock,
                                  resolved->variant == model::Variant::sessionhandler
                                      ? model::IdPolicy::files_charset
                                      : model::IdPolicy::any);
  backend.store().expiry = setup.model_expiry;
  backend.store().ttl_s = setup.model_ttl_s;
  std::ostringstream out;
  scenarios::JsonTraceWriter writer(out);
  if (auto ran = scenarios::run_scenario(sc, cfg, backend, clock, {&writer}); !ran) {
    error = ran.error().message;
    return {};
  }
  return parse_trace_lines(out.str(), error);
}

/// One scenario's run in PHP: where PHP runs and what its programs share.
struct PhpRun {
  const OracleSetup& setup;
  ProgramContext programs;
};

/// Runs the requests of `run.programs.sc` in PHP (through `worker`, or one process each when it
/// is null) and appends their normalised events to `out`. Fails on the first request PHP could
/// not run; `fallback` is set when the worker asked for one-process-per-request.
bool php_trace(const PhpRun& run, const std::vector<json>& model_raw, const IdMap& model_ids,
               PhpWorker* worker, std::vector<json>& out, std::vector<json>& raw, bool& fallback,
               bool& hung, std::string& error) {
  const auto& sc = *run.programs.sc;
  std::remove(run.programs.store_file.c_str());
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
    const json program = request_program(run.programs, k, cookie, now, seq);
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
      events = run_php_process(run.setup, program, int(k) + 1, hung, error);
    }
    if (!events) return false;
    raw.insert(raw.end(), events->begin(), events->end());
    for (auto& e : *events) normalise_event(e, php_ids);
    seq += static_cast<int>(events->size());
    out.insert(out.end(), events->begin(), events->end());
    // The clock moved only as far as PHP got: a call that throws ends the script early.
    for (const auto& e : *events) {
      if (event_text(e, "kind") == "script" && event_text(e, "name") == "advance" &&
          e["args"].is_array() && !e["args"].empty() && e["args"][0].is_number_integer()) {
        now += e["args"][0].get<std::int64_t>();
      }
    }
    // The browser keeps the id PHP issued where the model says a Set-Cookie was sent: the
    // model's id, by its place in the model's whole trace, is PHP's id of that place.
    for (const auto& e : model_raw) {
      if (event_text(e, "kind") != "response" || event_int(e, "request") != int(k) + 1) continue;
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
  // Real-engine mode: PHP's SessionHandler class is the only way to see a module's calls; a
  // user class is seen through a proxy of its own shape.
  if (setup.module) private_cfg.variant = setup.module->variant;
  std::vector<json> model = model_trace(sc, private_cfg, setup, error);
  if (model.empty()) return std::nullopt;
  const json head = model.front();
  model.erase(model.begin());
  std::vector<json> model_raw = model;
  IdMap model_ids;
  for (auto& e : model) normalise_event(e, model_ids);

  PhpRun run{setup,
             {&sc, head["variant"], head["ini"], setup.work_dir + "/store.ser",
              setup.module ? &*setup.module : nullptr}};
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

}  // namespace ss::oracle
