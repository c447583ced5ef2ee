#pragma once
// Running PHP (the oracle's second role): one `php -n harness.php PROGRAM` process per request,
// or many requests in one persistent `php -n worker.php` (PhpWorker). Every PHP process is a
// base::ChildProcess: argv without a shell, a process group of its own, a deadline on each
// request (timeout_s). What the programs say is oracle/program.hpp's business; what their traces
// mean is the caller's.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/child_process.hpp"
#include "model/store_model.hpp"
#include "oracle/program.hpp"

namespace ss::oracle {

class PhpWorker;

/// Where to find PHP and the harness.
struct OracleSetup {
  std::string php = "php";
  /// Arguments after `-n`, e.g. `-d extension=redis.so` for phpredis (real-engine mode).
  std::vector<std::string> php_args;
  /// NAME=VALUE settings added to the environment of every PHP process (libfaketime for a
  /// user class; oracle/user_class.hpp), through `env`, not a shell.
  std::vector<std::string> env;
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
  /// How the model's store forgets sessions: the handler's declared expiry (real-engine mode),
  /// so that the model expires a session where the handler does, and PHP's new id for an expired
  /// session is not taken for the old one (issue #16). gc-only by default.
  model::Expiry model_expiry = model::Expiry::gc_only;
  std::int64_t model_ttl_s = 1440;
};

/// The command line of a PHP process: `[env NAME=VALUE...] php -n [php_args...] SCRIPT`.
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

  enum class Reply { done, bad_program, fallback, failed, timeout, fresh_process };
  /// Runs one request program. `done`: `events` is its trace. `bad_program`: the program was
  /// refused. `fallback`/`failed`: the worker could not run it (it is restarted on the next call);
  /// `timeout`: the request did not finish within timeout_s (it hung; the worker is killed).
  /// `message` says why.
  Reply run(const nlohmann::json& program, std::vector<nlohmann::json>& events,
            std::string& message);
  /// How many times a PHP process was started (1 for a healthy worker).
  [[nodiscard]] int starts() const { return starts_; }

 private:
  /// One attempt; `fresh_process` when the worker asked for a new process first (run() then
  /// sends the request again).
  Reply run_once(const nlohmann::json& program, std::vector<nlohmann::json>& events,
                 std::string& message);

  std::vector<std::string> argv_;
  int timeout_s_;
  base::ChildProcess child_;
  int starts_ = 0;
};

/// The directory holding harness.php: `given`, or oracle/ in the data directory
/// (base::data_path: installed, in the build tree, or $SESSIONSPEC_DATA_DIR). "" when not found.
[[nodiscard]] std::string find_harness_dir(const std::string& given);

/// Whether `php -n [php_args...]` starts (php8.2-cli installed; extensions loadable).
[[nodiscard]] bool php_runs(const OracleSetup& setup);

/// JSON lines as events; on an unparsable line sets `error` and returns nothing.
[[nodiscard]] std::vector<nlohmann::json> parse_trace_lines(const std::string& text,
                                                            std::string& error);

/// Runs `program` as request `number` in a PHP process of its own (`php -n harness.php FILE`,
/// the program written to work_dir). Its trace, or nullopt with `error`; `hung` tells a request
/// that did not finish within timeout_s.
[[nodiscard]] std::optional<std::vector<nlohmann::json>> run_php_process(
    const OracleSetup& setup, const nlohmann::json& program, int number, bool& hung,
    std::string& error);

/// Real-engine mode: empties the module's store and puts `seeds` in place (one request that makes
/// no calls; `ini` as for the scenario's requests). False with `error` when PHP could not.
bool reset_module_store(PhpWorker& worker, const ModuleSetup& store, const nlohmann::json& ini,
                        const std::vector<scenarios::StoredSeed>& seeds, std::int64_t now_s,
                        std::string& error);

}  // namespace ss::oracle
