// `sessionspec certify`: every applicable suite against a handler, a certificate table, JUnit XML
// and (with --report) the HTML report.
//
// Levels (docs/certify.md):
//   L1 life-cycle       the shipped scenarios (gist, lesson, php) against the reference models;
//   L2 storage contract model-based random sequences (RapidCheck) under every engine profile;
//   L3 concurrency      the race catalogue explored, judged by the handler's declared guarantee.
// Real PHP modules (php:files, php:redis://...) run the same levels inside real PHP 8.2: the
// shipped scenarios and generated ones in real-engine mode, the races as real PHP processes.

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/data_dir.hpp"
#include "base/printable.hpp"
#include "cli/commands.hpp"
#include "cli/verbs.hpp"
#include "handlers/registry.hpp"
#include "oracle/php_module.hpp"
#include "oracle/race_runner.hpp"
#include "oracle/real_engine.hpp"
#include "oracle/scenario_gen.hpp"
#include "properties/battery.hpp"
#include "properties/property.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/replay.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"
#include "sched/explorer.hpp"

namespace ss::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CertifyOptions {
  std::vector<std::string> handlers;
  bool all = false;
  std::string report_dir;
  std::string junit_file;
  int level = 3;
  std::uint64_t seed = 1;
  int cases = 100;
  std::size_t schedules = 100;
  std::string scenario_dir;
  /// Real PHP modules: schedules of real processes per race scenario, and the coordinator's
  /// blocked-process bound.
  std::size_t process_schedules = 8;
  int block_ms = oracle::RaceLimits{}.block_ms;
  /// Property id prefixes to run (`--only`); empty: every row.
  std::vector<std::string> only;
  /// `--php-modules`: PHP's files module and, with REDIS_PORT, phpredis in its lock modes.
  bool php_modules = false;
};

/// Whether `--only` selects the row `property` (every row when it was not given).
bool selected(const CertifyOptions& o, const std::string& property) {
  if (o.only.empty()) return true;
  return std::any_of(o.only.begin(), o.only.end(),
                     [&](const std::string& p) { return property.rfind(p, 0) == 0; });
}

/// One row of the certificate.
struct CertifyRow {
  std::string handler;
  std::string property;
  std::string title;
  int level = 1;
  std::string verdict;  // pass, fail, finding, skip
  std::string evidence;
  std::string replay;
  double time_ms = 0;
};

CertifyRow make_row(std::string handler, std::string property, std::string title, int level) {
  CertifyRow r;
  r.handler = std::move(handler);
  r.property = std::move(property);
  r.title = std::move(title);
  r.level = level;
  return r;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void certify_progress(const std::string& line) {
  if (::isatty(2)) {
    fmt::print(stderr, "\r\033[K{}", line.substr(0, 100));
  } else {
    fmt::print(stderr, "certify: {}\n", line);
  }
}

std::vector<scenarios::Scenario> load_dir(const std::string& dir, std::string& error) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".scn") files.push_back(e.path().string());
  }
  if (ec) error = dir + ": " + ec.message();
  std::sort(files.begin(), files.end());
  std::vector<scenarios::Scenario> out;
  for (const auto& f : files) {
    auto parsed = scenarios::load_scenario(f);
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) {
      error = e->str();
      return {};
    }
    out.push_back(std::move(std::get<scenarios::Scenario>(parsed)));
  }
  return out;
}

/// Traces name the certified URI, not the scratch store each scenario ran in.
class NamedTrace final : public scenarios::Listener {
 public:
  NamedTrace(std::ostream& out, std::string uri) : writer_(out), uri_(std::move(uri)) {}
  void on_event(const scenarios::Event& e) override {
    if (e.kind() != scenarios::EventKind::run) return writer_.on_event(e);
    scenarios::RunHeader head = e.run();
    head.handler = uri_;
    writer_.on_event(scenarios::run_event(std::move(head)));
  }

 private:
  scenarios::JsonTraceWriter writer_;
  std::string uri_;
};

/// Runs one scenario against a fresh isolated backend, optionally tracing it.
std::optional<scenarios::Failure> check_one(const scenarios::Scenario& sc, const std::string& uri,
                                            std::uint64_t seed, std::ostream* trace,
                                            std::string& error) {
  handlers::ManualClock clock(sc.clock_start_s);
  auto spec = handlers::parse_handler_spec(uri);
  if (!spec) {
    error = spec.error().reason;
    return std::nullopt;
  }
  auto backend = handlers::make_isolated(spec.value(), seed, clock);
  if (!backend) {
    error = backend.error().reason;
    return std::nullopt;
  }
  scenarios::Judge judge;
  std::vector<scenarios::Listener*> listeners{&judge};
  std::unique_ptr<NamedTrace> writer;
  if (trace) {
    writer = std::make_unique<NamedTrace>(*trace, uri);
    listeners.push_back(writer.get());
  }
  scenarios::RunConfig cfg;
  cfg.seed = seed;
  auto ran = scenarios::run_scenario(sc, cfg, *backend.value(), clock, listeners);
  if (!ran) {
    error = ran.error().message;
    return std::nullopt;
  }
  return judge.first_failure();
}

/// L1: one row per scenario folder.
void level1(const CertifyOptions& o, const std::string& uri, std::vector<CertifyRow>& rows,
            std::ostream* trace) {
  for (const char* folder : {"gist", "lesson", "php"}) {
    if (!selected(o, std::string("L1.") + folder)) continue;
    const auto t0 = std::chrono::steady_clock::now();
    CertifyRow row = make_row(uri, std::string("L1.") + folder,
                              std::string("life-cycle: scenarios/") + folder, 1);
    std::string error;
    auto scs = load_dir(o.scenario_dir + "/" + folder, error);
    std::size_t passed = 0;
    for (const auto& sc : scs) {
      certify_progress(uri + ": L1 " + sc.name);
      auto failure = check_one(sc, uri, o.seed, trace, error);
      if (!error.empty()) break;
      if (failure && row.replay.empty()) {
        row.evidence = failure->str();
        row.replay = "sessionspec check " + sc.file + " --handler '" + uri + "' --seed " +
                     std::to_string(o.seed);
      }
      if (!failure) ++passed;
    }
    row.verdict = error.empty() && passed == scs.size() && !scs.empty() ? "pass" : "fail";
    if (!error.empty()) row.evidence = error;
    if (row.verdict == "pass") {
      row.evidence = std::to_string(passed) + "/" + std::to_string(scs.size()) +
                     " scenarios agree with the reference models";
    }
    row.time_ms = ms_since(t0);
    rows.push_back(std::move(row));
  }
}

/// L2: the stateful property under every engine profile.
void level2(const CertifyOptions& o, const std::string& uri, std::vector<CertifyRow>& rows) {
  for (const model::EngineKind engine : properties::engines_for(uri)) {
    const std::string name(model::engine_name(engine));
    if (!selected(o, "L2.contract." + name)) continue;
    const auto t0 = std::chrono::steady_clock::now();
    certify_progress(uri + ": L2 properties under " + name);
    properties::PropertySpec spec{uri, engine, {}};
    properties::RunParams params;
    params.seed = o.seed;
    params.max_success = o.cases;
    properties::PropertyResult r = properties::run_property(spec, params);
    CertifyRow row = make_row(uri, "L2.contract." + name,
                              "storage contract: random sequences (" + name + ")", 2);
    row.verdict = r.passed ? "pass" : "fail";
    row.evidence = r.passed ? std::to_string(r.cases) + " generated cases agree with the model"
                            : r.description.substr(0, 2000);
    if (!r.passed && !r.reproduce.empty()) {
      row.replay =
          "RC_PARAMS=\"" + r.reproduce + "\" (property " + properties::property_id(spec) + ")";
    }
    row.time_ms = ms_since(t0);
    rows.push_back(std::move(row));
  }
}

/// The properties a handler's own concurrency guarantee decides; isolation, Set-Cookie and
/// strict mode belong to the engine and the application, not to the store.
bool handler_property(const std::string& p) {
  return p == "lost-update" || p == "no-resurrection" || p == "progress";
}

/// Judges `schedules` runs of one race scenario (run(i) makes schedule i) by the handler's
/// declared guarantee: the first failing run fails the row with `replay(run)`; violations the
/// guarantee allows are findings.
void judge_schedules(std::size_t schedules,
                     const std::function<sched::ScheduleRun(std::uint64_t)>& run,
                     const std::function<std::string(const sched::ScheduleRun&)>& replay,
                     handlers::Concurrency guarantee, CertifyRow& row) {
  std::set<std::string> findings;
  for (std::size_t i = 0; i < schedules; ++i) {
    const sched::ScheduleRun r = run(i);
    for (const auto& v : r.violations) {
      if (!handler_property(v.property)) continue;
      if (!v.failure) {
        findings.insert(v.property);
        continue;
      }
      row.verdict = "fail";
      row.evidence = v.property + ": " + v.detail;
      row.replay = replay(r);
      return;
    }
  }
  row.verdict = findings.empty() ? "pass" : "finding";
  row.evidence = std::to_string(schedules) + " schedules; handler declares " +
                 std::string(handlers::concurrency_name(guarantee));
  for (const auto& f : findings) row.evidence += "; " + f + " (allowed by the declared guarantee)";
}

CertifyRow race_row(const CertifyOptions& o, const std::string& uri,
                    const scenarios::Scenario& sc) {
  CertifyRow row = make_row(uri, "L3.race." + sc.name, "declared guarantee under " + sc.name, 3);
  sched::ExploreConfig cfg;
  cfg.handler_uri = uri;
  cfg.seed = o.seed;
  cfg.factory = handlers::isolated_factory(uri);
  auto made = sched::Explorer::make(sc, cfg);
  if (!made) {
    row.verdict = "fail";
    row.evidence = made.error().message;
    return row;
  }
  auto& ex = made.value();
  auto strategy = std::move(sched::make_strategy("portfolio", o.seed).value());
  judge_schedules(
      o.schedules, [&](std::uint64_t i) { return ex->run_one(*strategy, i); },
      [&](const sched::ScheduleRun& r) {
        return scenarios::ReplayLine{"explore",           sc.file, {}, uri, o.seed, {}, {},
                                     ex->shrink(r).str(), {}}
            .str();
      },
      ex->guarantees().concurrency, row);
  return row;
}

void level3(const CertifyOptions& o, const std::string& uri, std::vector<CertifyRow>& rows) {
  std::string error;
  for (const auto& sc : load_dir(o.scenario_dir + "/races", error)) {
    if (!selected(o, "L3.race." + sc.name)) continue;
    certify_progress(uri + ": L3 " + sc.name);
    const auto t0 = std::chrono::steady_clock::now();
    CertifyRow row = race_row(o, uri, sc);
    row.time_ms = ms_since(t0);
    rows.push_back(std::move(row));
  }
}

// ---- real PHP modules (php:files, php:redis://...) -------------------------------------------

/// How long L2 on a real module may spend shrinking a counterexample.
constexpr std::chrono::seconds php_shrink_budget{30};
/// One request of a real module may take this long; a request that hangs (a module waiting for
/// a lock it holds itself) fails after it instead of stalling the certificate.
constexpr int php_request_timeout_s = 3;

/// What the rows of one php: handler share: its module, real PHP (one persistent worker) and
/// one module store that every sequential scenario empties before it runs.
struct PhpBench {
  oracle::PhpModuleUri module;
  oracle::OracleSetup setup;
  std::unique_ptr<oracle::PhpWorker> worker;
  oracle::ModuleSetup store;

  PhpBench(oracle::PhpModuleUri m, const std::string& work_dir) : module(std::move(m)) {
    setup.harness_dir = oracle::find_harness_dir("");
    setup.work_dir = work_dir;
    setup.php_args = module.php_args();
    setup.timeout_s = php_request_timeout_s;
    ::mkdir(work_dir.c_str(), 0700);
    worker = std::make_unique<oracle::PhpWorker>(setup);
    setup.worker = worker.get();
    store = module.isolated(work_dir, "seq");
  }
  ~PhpBench() {
    // The last scenario's sessions are not left in the server (files go with the scratch dir).
    std::string error;
    if (worker)
      (void)oracle::reset_module_store(*worker, store, {{"save_path", store.save_path}}, {}, 0,
                                       error);
  }
};

std::string oracle_replay(const CertifyOptions& o, const std::string& file, const std::string& uri,
                          const std::string& schedule = {}) {
  return scenarios::ReplayLine{"oracle", file, {}, uri, o.seed, {}, {}, schedule, {}}.str();
}

/// L1 for a real module: the shipped scenarios in real-engine mode.
void php_level1(const CertifyOptions& o, PhpBench& b, std::vector<CertifyRow>& rows,
                std::ostream* trace) {
  const std::string& uri = b.module.uri;
  for (const char* folder : {"gist", "lesson", "php"}) {
    if (!selected(o, std::string("L1.") + folder)) continue;
    const auto t0 = std::chrono::steady_clock::now();
    CertifyRow row = make_row(uri, std::string("L1.") + folder,
                              std::string("life-cycle: scenarios/") + folder + " in real PHP", 1);
    std::string error;
    auto scs = load_dir(o.scenario_dir + "/" + folder, error);
    std::size_t passed = 0;
    for (const auto& sc : scs) {
      certify_progress(uri + ": L1 " + sc.name);
      std::unique_ptr<NamedTrace> writer;
      std::vector<scenarios::Listener*> listeners;
      if (trace) {
        writer = std::make_unique<NamedTrace>(*trace, uri);
        listeners.push_back(writer.get());
      }
      auto r = oracle::run_real_engine(sc, b.module, b.store, b.setup, o.seed, listeners);
      if (!r) {
        error = r.error().message;
        row.replay = oracle_replay(o, sc.file, uri);
        break;
      }
      if (r->failure && row.replay.empty()) {
        row.evidence = r->failure->str();
        row.replay = oracle_replay(o, sc.file, uri);
      }
      if (!r->failure) ++passed;
    }
    row.verdict = error.empty() && passed == scs.size() && !scs.empty() ? "pass" : "fail";
    if (!error.empty()) row.evidence = "real PHP could not run it: " + error;
    if (row.verdict == "pass") {
      row.evidence = std::to_string(passed) + "/" + std::to_string(scs.size()) +
                     " scenarios in real PHP agree with the reference store and the model";
    }
    row.time_ms = ms_since(t0);
    rows.push_back(std::move(row));
  }
}

/// Where a generated counterexample is kept for its replay line: the report directory, or the
/// temporary directory (the scratch directory is removed at the end).
std::string save_counterexample(const CertifyOptions& o, const std::string& uri,
                                const std::string& text) {
  std::string name = "counterexample-" + uri;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  }
  const fs::path dir = o.report_dir.empty() ? fs::temp_directory_path() : fs::path(o.report_dir);
  const fs::path file = dir / (name + ".scn");
  std::ofstream(file, std::ios::trunc) << text;
  return file.string();
}

/// L2 for a real module: the differential generator's scenarios in real-engine mode.
void php_level2(const CertifyOptions& o, PhpBench& b, std::vector<CertifyRow>& rows) {
  if (!selected(o, "L2.generated")) return;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string& uri = b.module.uri;
  certify_progress(uri + ": L2 generated scenarios in real PHP");
  CertifyRow row =
      make_row(uri, "L2.generated", "storage contract: generated scenarios in real PHP", 2);
  std::string last_text, last_failure;
  std::optional<std::chrono::steady_clock::time_point> failed_at;
  const auto property = [&] {
    const std::string text = oracle::scn_text(*oracle::gen_scenario());
    // Shrinking reruns real PHP for every candidate (a hanging one for the whole timeout):
    // after the budget every candidate passes, so RapidCheck keeps the smallest one so far.
    if (failed_at && std::chrono::steady_clock::now() - *failed_at > php_shrink_budget) return;
    auto parsed = scenarios::parse_scenario(text, "generated.scn");
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) RC_FAIL(e->str());
    auto r = oracle::run_real_engine(std::get<scenarios::Scenario>(parsed), b.module, b.store,
                                     b.setup, o.seed, {});
    if (!r || r->failure) {
      // The last failing case RapidCheck tries is the shrunk counterexample it reports.
      last_text = text;
      last_failure = r ? r->failure->str() : "PHP could not run it: " + r.error().message;
      if (!failed_at) failed_at = std::chrono::steady_clock::now();
      RC_FAIL(last_failure);
    }
  };
  std::string message;
  const bool ok = oracle::check_cases("L2.generated " + uri, static_cast<std::uint64_t>(o.cases),
                                      o.seed, property, message);
  row.verdict = ok ? "pass" : "fail";
  if (ok) {
    row.evidence = std::to_string(o.cases) + " generated scenarios in real PHP agree with the " +
                   "reference store and the model";
  } else {
    row.evidence = last_failure.empty() ? message : last_failure;
    if (!last_text.empty())
      row.replay = oracle_replay(o, save_counterexample(o, uri, last_text), uri);
  }
  row.time_ms = ms_since(t0);
  rows.push_back(std::move(row));
}

/// L3 for a real module: the race catalogue with real concurrent PHP processes.
void php_level3(const CertifyOptions& o, PhpBench& b, std::vector<CertifyRow>& rows) {
  const std::string& uri = b.module.uri;
  std::string error;
  oracle::OracleSetup setup = b.setup;
  setup.worker = nullptr;
  setup.work_dir = b.setup.work_dir + "/races";
  oracle::RaceLimits limits;
  limits.block_ms = o.block_ms;
  for (const auto& sc : load_dir(o.scenario_dir + "/races", error)) {
    if (!selected(o, "L3.race." + sc.name)) continue;
    certify_progress(uri + ": L3 " + sc.name + " (real PHP processes)");
    const auto t0 = std::chrono::steady_clock::now();
    CertifyRow row = make_row(uri, "L3.race." + sc.name,
                              "declared guarantee under " + sc.name + " (real PHP processes)", 3);
    auto made = oracle::RaceRunner::make(sc, b.module, setup, limits, o.seed);
    auto strategy = std::move(sched::make_strategy("portfolio", o.seed).value());
    if (!made) {
      row.verdict = "fail";
      row.evidence = made.error().message;
    } else {
      auto& runner = made.value();
      try {
        judge_schedules(
            o.process_schedules, [&](std::uint64_t i) { return runner->run_one(*strategy, i); },
            [&](const sched::ScheduleRun& r) {
              return oracle_replay(o, sc.file, uri, r.sched.schedule.str());
            },
            runner->guarantees().concurrency, row);
      } catch (const std::exception& ex) {
        row.verdict = "fail";
        row.evidence = std::string("real PHP could not run it: ") + ex.what();
      }
    }
    row.time_ms = ms_since(t0);
    rows.push_back(std::move(row));
  }
}

void certify_php(const CertifyOptions& o, const oracle::PhpModuleUri& module,
                 const std::string& work_dir, std::vector<CertifyRow>& rows, std::ostream* trace) {
  PhpBench bench(module, work_dir);
  php_level1(o, bench, rows, trace);
  if (o.level >= 2) php_level2(o, bench, rows);
  if (o.level >= 3) php_level3(o, bench, rows);
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
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

void write_junit(const std::string& file, const std::vector<CertifyRow>& rows) {
  std::map<std::string, std::vector<const CertifyRow*>> by_handler;
  for (const auto& r : rows) by_handler[r.handler].push_back(&r);
  std::ofstream out(file, std::ios::trunc);
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sessionspec certify\">\n";
  for (const auto& [handler, list] : by_handler) {
    std::size_t failures = 0, skipped = 0;
    for (const CertifyRow* r : list) {
      failures += r->verdict == "fail";
      skipped += r->verdict == "skip";
    }
    out << "  <testsuite name=\"" << xml_escape(handler) << "\" tests=\"" << list.size()
        << "\" failures=\"" << failures << "\" skipped=\"" << skipped << "\">\n";
    for (const CertifyRow* r : list) {
      out << "    <testcase classname=\"" << xml_escape(handler) << "\" name=\""
          << xml_escape(r->property) << "\" time=\"" << fmt::format("{:.3f}", r->time_ms / 1000)
          << "\">";
      if (r->verdict == "fail") {
        out << "<failure message=\"" << xml_escape(r->evidence.substr(0, 200)) << "\">"
            << xml_escape(r->evidence + "\nreplay: " + r->replay) << "</failure>";
      } else if (r->verdict == "skip") {
        out << "<skipped message=\"" << xml_escape(r->evidence) << "\"/>";
      } else {
        out << "<system-out>" << xml_escape(r->verdict + ": " + r->evidence) << "</system-out>";
      }
      out << "</testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

json certificate_json(const std::vector<CertifyRow>& rows) {
  json handlers = json::array(), props = json::array(), verdicts = json::array();
  std::set<std::string> seen_h, seen_p;
  for (const auto& r : rows) {
    if (seen_h.insert(r.handler).second) handlers.push_back(r.handler);
    if (seen_p.insert(r.property).second) {
      props.push_back({{"id", r.property}, {"title", r.title}, {"level", r.level}});
    }
    bool bin = false;
    verdicts.push_back({{"handler", r.handler},
                        {"property", r.property},
                        {"verdict", r.verdict},
                        {"evidence", scenarios::bytes_json(r.evidence, bin)},
                        {"replay", r.replay}});
  }
  return {{"version", 1}, {"handlers", handlers}, {"properties", props}, {"verdicts", verdicts}};
}

/// `text` in at most `width` characters: URIs that differ only at the end (redis modes, phpredis
/// lock settings) keep their head and their tail.
std::string elide(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  const std::size_t head = (width - 2) * 2 / 5;
  return text.substr(0, head) + ".." + text.substr(text.size() - (width - 2 - head));
}

void print_certify_table(const std::vector<CertifyRow>& rows) {
  fmt::print("\n{:<28} {:<34} {:<8} {}\n", "handler", "property", "verdict", "evidence");
  for (const auto& r : rows) {
    std::string evidence = base::printable(r.evidence.substr(0, r.evidence.find('\n')));
    if (evidence.size() > 90) evidence = evidence.substr(0, 87) + "...";
    fmt::print("{:<28} {:<34} {:<8} {}\n", elide(r.handler, 28), r.property.substr(0, 34),
               r.verdict, evidence);
    if (!r.replay.empty()) fmt::print("{:<28} {:<34} {:<8} replay: {}\n", "", "", "", r.replay);
  }
}

/// The built-in handlers this machine can run, in every mode their kind lists (Redis when
/// REDIS_PORT is set).
std::vector<std::string> all_handlers(const std::string& scratch) {
  std::vector<std::string> out;
  for (const auto& uri : handlers::available_handlers(scratch)) {
    auto spec = handlers::parse_handler_spec(uri);
    if (!spec) continue;
    for (const auto& mode : handlers::modes_of(spec.value())) out.push_back(mode.text);
  }
  return out;
}

/// The URIs `--php-modules` certifies (phpredis only when REDIS_PORT is set).
std::vector<std::string> php_module_handlers() {
  std::vector<std::string> out{"php:files"};
  const char* port = std::getenv("REDIS_PORT");
  if (port != nullptr && *port != '\0') {
    const std::string base = std::string("php:redis://127.0.0.1:") + port;
    out.push_back(base + "?locking=0");
    out.push_back(base + "?locking=1");
    out.push_back(base + "?locking=1&lock_retries=-1");
  }
  return out;
}

int write_report(const CertifyOptions& o, const std::vector<CertifyRow>& rows,
                 const fs::path& traces) {
  const fs::path dir(o.report_dir);
  std::ofstream(dir / "certificate.json", std::ios::trunc)
      << certificate_json(rows).dump(1, ' ', true);
  const base::DataPath generator = base::data_path("reports/sessionspec_report.py");
  if (!generator) return input_error("certify: " + generator.error);
  std::string cmd = "/usr/bin/python3 '" + generator.path +
                    "' --title 'sessionspec certificate' --out '" + (dir / "report.html").string() +
                    "' --certificate '" + (dir / "certificate.json").string() + "'";
  if (fs::exists(dir / "mutants.json"))
    cmd += " --mutants '" + (dir / "mutants.json").string() + "'";
  cmd += " '" + traces.string() + "'";
  if (std::system(cmd.c_str()) != 0) {
    std::cerr << "sessionspec: certify: the report generator failed (" << cmd << ")\n";
    return exit_input;
  }
  fmt::print("report: {}\n", (dir / "report.html").string());
  return exit_ok;
}

int certify_command(CertifyOptions o) {
  if (o.scenario_dir.empty()) {
    const base::DataPath shipped = base::data_path("scenarios");
    if (!shipped) return input_error("certify: " + shipped.error);
    o.scenario_dir = shipped.path;
  }
  // The report generator is looked for now, not after an hour of certification.
  const base::DataPath generator = base::data_path("reports/sessionspec_report.py");
  if (!o.report_dir.empty() && !generator) return input_error("certify: " + generator.error);
  std::string scratch = (fs::temp_directory_path() / "sessionspec-certify-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) return exit_input;
  if (o.all) {
    for (const auto& h : all_handlers(scratch)) o.handlers.push_back(h);
  }
  if (o.php_modules) {
    for (const auto& h : php_module_handlers()) o.handlers.push_back(h);
  }
  if (o.handlers.empty()) {
    std::cerr << "sessionspec: certify: name a handler (--handler URI) or use --all or "
                 "--php-modules\n";
    fs::remove_all(scratch);
    return exit_input;
  }
  // Real PHP modules are checked before anything runs: a malformed URI is an input error.
  std::vector<std::optional<oracle::PhpModuleUri>> modules;
  for (const auto& uri : o.handlers) {
    modules.emplace_back();
    if (!oracle::is_php_module_uri(uri)) continue;
    std::string error;
    modules.back() = oracle::parse_php_module_uri(uri, error);
    if (!modules.back()) {
      std::cerr << "sessionspec: certify: --handler: " << error << "\n";
      fs::remove_all(scratch);
      return exit_input;
    }
  }
  std::ofstream trace;
  fs::path traces;
  if (!o.report_dir.empty()) {
    std::error_code ec;
    fs::create_directories(o.report_dir, ec);
    traces = fs::path(o.report_dir) / "traces.jsonl";
    trace.open(traces, std::ios::trunc);
    if (ec || !trace) {
      std::cerr << "sessionspec: --report: cannot write to '" << o.report_dir << "'\n";
      return exit_input;
    }
  }
  fmt::print("seed={} level=L{} cases={} schedules={} handlers={}\n", o.seed, o.level, o.cases,
             o.schedules, o.handlers.size());
  std::vector<CertifyRow> rows;
  for (std::size_t i = 0; i < o.handlers.size(); ++i) {
    const std::string& uri = o.handlers[i];
    if (modules[i]) {
      certify_php(o, *modules[i], scratch + "/php-" + std::to_string(i), rows,
                  trace.is_open() ? &trace : nullptr);
      continue;
    }
    level1(o, uri, rows, trace.is_open() ? &trace : nullptr);
    if (o.level >= 2) level2(o, uri, rows);
    if (o.level >= 3) level3(o, uri, rows);
  }
  if (::isatty(2)) fmt::print(stderr, "\r\033[K");
  trace.close();
  fs::remove_all(scratch);
  print_certify_table(rows);
  const auto failed = std::count_if(rows.begin(), rows.end(),
                                    [](const CertifyRow& r) { return r.verdict == "fail"; });
  fmt::print("\n{} passed, {} failed\n", rows.size() - static_cast<std::size_t>(failed), failed);
  if (!o.junit_file.empty()) write_junit(o.junit_file, rows);
  if (!o.report_dir.empty() && write_report(o, rows, traces) != exit_ok) return exit_input;
  return failed ? exit_conformance : exit_ok;
}

}  // namespace

Verb register_certify(CLI::App& app) {
  auto o = std::make_shared<CertifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "certify",
      "Certify handlers: life-cycle scenarios (L1), storage contract (L2), declared "
      "concurrency guarantee (L3); certificate table, JUnit XML, HTML report");
  cmd->add_option("--handler", o->handlers, "Handler URI to certify (repeatable)");
  cmd->add_flag("--all", o->all,
                "Certify every built-in handler this machine can run "
                "(Redis modes when REDIS_PORT names a server on 127.0.0.1)");
  cmd->add_option("--report", o->report_dir, "Write certificate.json, traces and report.html here");
  cmd->add_option("--junit", o->junit_file, "Write JUnit XML here");
  cmd->add_option("--level", o->level, "Highest level required: 1, 2 or 3")
      ->check(CLI::Range(1, 3))
      ->default_val(3);
  cmd->add_option("--seed", o->seed, "Seed of every generated case and schedule")->default_val(1);
  cmd->add_option("--cases", o->cases, "Property cases per engine profile (L2)")->default_val(100);
  cmd->add_option("--schedules", o->schedules, "Schedules per race scenario (L3)")
      ->default_val(100);
  cmd->add_option("--scenarios", o->scenario_dir, "Folder with gist/, lesson/, php/ and races/");
  cmd->add_option("--only", o->only,
                  "Run only the properties whose id starts with this (repeatable), e.g. L1 or "
                  "L3.race.race-two-tabs-counter");
  cmd->add_flag("--php-modules", o->php_modules,
                "Certify PHP's own session modules: php:files and, when REDIS_PORT names a "
                "redis-server on 127.0.0.1, phpredis without locking, with its default lock and "
                "with a lock that waits (docs/certified-handlers.md)");
  cmd->add_option("--process-schedules", o->process_schedules,
                  "Schedules of real PHP processes per race scenario (php: handlers, L3)")
      ->default_val(8)
      ->check(CLI::Range(1, 100'000));
  cmd->add_option("--block-ms", o->block_ms,
                  "php: handlers, L3: a process slower than this for one step is blocked (a lock)")
      ->default_val(oracle::RaceLimits{}.block_ms)
      ->check(CLI::Range(10, 60'000));
  return {cmd, [o] { return certify_command(*o); }};
}

}  // namespace ss::cli
