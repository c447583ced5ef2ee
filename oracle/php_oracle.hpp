#pragma once
// Real PHP as the oracle: runs a scenario in php8.2-cli through oracle/harness.php (one PHP process
// per request) or oracle/worker.php (one persistent PHP process, see PhpWorker), with a shared
// tracing store, and compares PHP's trace with the model's, event by event.
// Session ids are random on both sides, so both traces are normalised (each distinct id becomes
// <id1:26:b32>, <id2:...>, ... in order of first appearance, keeping its length and the PHP
// alphabet it fits) before they are compared.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "oracle/php_child.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

namespace ss::oracle {

class PhpWorker;

/// Real-engine mode (oracle/README.md, "Modules"): the harness's SessionHandler wrapper proxies
/// one of PHP's own session modules untouched, so PHP's module does the storing.
struct ModuleSetup {
  /// The session module: "files" or "redis" (phpredis).
  std::string module;
  /// session.save_path: the files module's directory, or phpredis's tcp://HOST:PORT?prefix=P.
  std::string save_path;
  /// Further ini settings (full names), e.g. redis.session.locking_enabled=1.
  std::map<std::string, std::string> ini;
};

/// Where to find PHP and the harness.
struct OracleSetup {
  std::string php = "php";
  /// Arguments after `-n`, e.g. `-d extension=redis.so` for phpredis (real-engine mode).
  std::vector<std::string> php_args;
  /// The directory holding harness.php.
  std::string harness_dir;
  /// A scratch directory for programs and the store file (created if missing).
  std::string work_dir;
  /// A PHP process that runs longer than this is killed and the run fails.
  int timeout_s = 20;
  /// When set, requests run in this persistent PHP process (oracle/worker.php) instead of one
  /// `php harness.php` per request. A scenario the worker cannot reproduce in-process is rerun one
  /// process per request.
  PhpWorker* worker = nullptr;
  /// When set, scenarios run in real-engine mode: variant sessionhandler over this module.
  std::optional<ModuleSetup> module;
};

/// The command line of a PHP process: `php -n [php_args...] SCRIPT`.
[[nodiscard]] std::vector<std::string> php_command(const OracleSetup& setup,
                                                   const std::string& script);

/// A persistent `php -n oracle/worker.php` child: many requests in one PHP process, the session
/// module reset between them (oracle/README.md, "Worker"). Not thread-safe; one per thread.
class PhpWorker {
 public:
  /// Uses `setup.php`, `setup.harness_dir` and `setup.timeout_s` (per request); starts lazily.
  explicit PhpWorker(const OracleSetup& setup);
  ~PhpWorker();
  PhpWorker(const PhpWorker&) = delete;
  PhpWorker& operator=(const PhpWorker&) = delete;

  enum class Reply { done, bad_program, fallback, failed, timeout };
  /// Runs one request program. `done`: `events` is its trace. `bad_program`: the program was
  /// refused. `fallback`/`failed`: the worker could not run it (it is restarted on the next call);
  /// `timeout`: the request did not finish within timeout_s (it hung; the worker is killed).
  /// `message` says why.
  Reply run(const nlohmann::json& program, std::vector<nlohmann::json>& events,
            std::string& message);
  /// How many times a PHP process was started (1 for a healthy worker).
  [[nodiscard]] int starts() const { return starts_; }

 private:
  std::vector<std::string> argv_;
  int timeout_s_;
  PhpChild child_;
  int starts_ = 0;
};

struct OracleResult {
  /// The model's trace (JSON events without the run event), normalised.
  std::vector<nlohmann::json> model;
  /// PHP's trace, normalised.
  std::vector<nlohmann::json> php;
  /// PHP's trace as PHP wrote it (real ids), for judging it (real_engine.hpp).
  std::vector<nlohmann::json> php_raw;
  /// The model's `run` event (engine, variant, the effective ini).
  nlohmann::json model_run;
  /// The model's trace with the ids its seeded generator made (not normalised).
  std::vector<nlohmann::json> model_raw;
  /// The first difference, described; nullopt when the traces agree.
  std::optional<std::string> difference;
  /// A worker was given but the scenario had to run one process per request.
  bool fell_back = false;
  /// Why the worker could not run it (when fell_back).
  std::string fallback_reason;
};

/// Runs `sc` in the model (memory handler) and in real PHP. Returns nullopt and sets `error` when
/// PHP could not be run (missing binary, harness failure, timeout); `hung` (if given) tells a
/// request that did not finish in time (a module waiting forever) from the other causes.
[[nodiscard]] std::optional<OracleResult> compare_with_php(const scenarios::Scenario& sc,
                                                           const scenarios::RunConfig& cfg,
                                                           const OracleSetup& setup,
                                                           std::string& error,
                                                           bool* hung = nullptr);

/// The directory holding harness.php: `given`, $SESSIONSPEC_SOURCE_DIR/oracle, ./oracle, or the
/// source tree three levels above the running binary (build/cli/sessionspec). "" when none has it.
[[nodiscard]] std::string find_harness_dir(const std::string& given);

/// Whether `php -n [php_args...]` starts (php8.2-cli installed; extensions loadable).
[[nodiscard]] bool php_runs(const OracleSetup& setup);

/// Real-engine mode: empties the module's store and puts `seeds` in place (one request that makes
/// no calls; `ini` as for the scenario's requests). False with `error` when PHP could not.
bool reset_module_store(PhpWorker& worker, const ModuleSetup& store, const nlohmann::json& ini,
                        const std::vector<scenarios::StoredSeed>& seeds, std::int64_t now_s,
                        std::string& error);

/// A script call as the harness takes it (oracle/README.md, "Program format").
[[nodiscard]] nlohmann::json call_program(const model::ScriptCall& call);

/// A `fault` line as the harness takes it (oracle/README.md, "Program format").
[[nodiscard]] nlohmann::json fault_program(const model::Fault& fault);

/// Replaces session ids in a trace by <idN:LENGTH:ALPHABET> placeholders, in order of first
/// appearance.
void normalise_ids(std::vector<nlohmann::json>& events);

/// The first difference between a model trace and PHP's, both as written (real ids), after both
/// are normalised: what compare_with_php reports. Controls use it on deliberately wrong traces.
[[nodiscard]] std::optional<std::string> trace_difference(std::vector<nlohmann::json> model,
                                                          std::vector<nlohmann::json> php);

/// The fields of an event that both sides must agree on (drops seq, lane, bin and unknowns).
[[nodiscard]] nlohmann::json comparable(const nlohmann::json& event);

}  // namespace ss::oracle
