#pragma once
// Real PHP as the oracle: runs a scenario in php8.2-cli through oracle/harness.php (one PHP process
// per request) or oracle/worker.php (one persistent PHP process, see PhpWorker), with a shared
// tracing store, and compares PHP's trace with the model's, event by event.
// Session ids are random on both sides, so both traces are normalised (each distinct id becomes
// <id1>, <id2>, ... in order of first appearance) before they are compared.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"

namespace ss::oracle {

class PhpWorker;

/// Where to find PHP and the harness.
struct OracleSetup {
  std::string php = "php";
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
};

/// A persistent `php -n oracle/worker.php` child: many requests in one PHP process, the session
/// module reset between them (oracle/README.md, "Worker"). Not thread-safe; one per thread.
class PhpWorker {
 public:
  /// Uses `setup.php`, `setup.harness_dir` and `setup.timeout_s` (per request); starts lazily.
  explicit PhpWorker(const OracleSetup& setup);
  ~PhpWorker();
  PhpWorker(const PhpWorker&) = delete;
  PhpWorker& operator=(const PhpWorker&) = delete;

  enum class Reply { done, bad_program, fallback, failed };
  /// Runs one request program. `done`: `events` is its trace. `bad_program`: the program was
  /// refused. `fallback`/`failed`: the worker could not run it (it is restarted on the next call);
  /// `message` says why.
  Reply run(const nlohmann::json& program, std::vector<nlohmann::json>& events,
            std::string& message);
  /// How many times a PHP process was started (1 for a healthy worker).
  [[nodiscard]] int starts() const { return starts_; }

 private:
  bool start(std::string& message);
  void stop();
  /// One line from the child, waiting at most until `deadline_ms` (steady clock); false on EOF,
  /// timeout or an over-long line.
  bool read_line(std::string& line, std::int64_t deadline_ms);

  std::string php_;
  std::string script_;
  int timeout_s_;
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
  int starts_ = 0;
};

struct OracleResult {
  /// The model's trace (JSON events without the run event), normalised.
  std::vector<nlohmann::json> model;
  /// PHP's trace, normalised.
  std::vector<nlohmann::json> php;
  /// The first difference, described; nullopt when the traces agree.
  std::optional<std::string> difference;
  /// A worker was given but the scenario had to run one process per request.
  bool fell_back = false;
};

/// Runs `sc` in the model (memory handler) and in real PHP. Returns nullopt and sets `error` when
/// PHP could not be run (missing binary, harness failure, timeout).
[[nodiscard]] std::optional<OracleResult> compare_with_php(const scenarios::Scenario& sc,
                                                           const scenarios::RunConfig& cfg,
                                                           const OracleSetup& setup,
                                                           std::string& error);

/// Replaces session ids in a trace by <idN> placeholders, in order of first appearance.
void normalise_ids(std::vector<nlohmann::json>& events);

/// The fields of an event that both sides must agree on (drops seq, lane, bin and unknowns).
[[nodiscard]] nlohmann::json comparable(const nlohmann::json& event);

}  // namespace ss::oracle
