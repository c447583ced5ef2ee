#pragma once
// A pool of persistent PHP workers (oracle/README.md, "Worker pool"): independent cases (generated
// scenarios of the differential test, of `certify` on a real module) run on several PHP
// processes at once, one thread and one oracle/worker.php per lane, each lane with a scratch
// directory of its own. Results come back in case order, and the cases that run do not depend
// on the number of lanes: a case's verdict depends on the case only (the worker resets PHP's
// session module between requests; a lane's files are its own), and after a failing case only
// the cases before it are finished. Every PHP request keeps its deadline (OracleSetup::timeout_s):
// a worker that hangs is killed, its case reported, and the next case of that lane starts a new
// one, so a pool never waits without bound.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oracle/php_runner.hpp"

namespace ss::oracle {

/// One lane of a WorkerPool: its own PHP worker, and `setup` with its own work_dir (below the
/// pool's) and `worker` pointing at it.
struct PoolLane {
  std::size_t index = 0;
  OracleSetup setup;
  std::unique_ptr<PhpWorker> worker;
};

class WorkerPool {
 public:
  /// `jobs` lanes (0: one per core). Each lane's work_dir is `setup.work_dir`/lane-K; its PHP
  /// worker starts on its first case.
  WorkerPool(const OracleSetup& setup, unsigned jobs);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] std::size_t size() const { return lanes_.size(); }
  [[nodiscard]] PoolLane& lane(std::size_t i) { return *lanes_.at(i); }
  /// PHP processes started by every lane so far (one per lane when none died or hung).
  [[nodiscard]] int starts() const;

  /// A case: runs case `index` on `lane`; returns false when the case failed. Called from the
  /// pool's threads, one case at a time per lane.
  using Task = std::function<bool(std::size_t index, PoolLane& lane)>;
  /// Runs cases 0..count-1 in order of index across the lanes and returns the index of the
  /// first failing case (every case before it ran), or nullopt when all passed. An exception out
  /// of a task counts as that case's failure and is rethrown here when it is the first one.
  std::optional<std::size_t> run(std::size_t count, const Task& task);

 private:
  std::vector<std::unique_ptr<PoolLane>> lanes_;
};

/// The number of lanes `jobs` means: itself, or one per core for 0.
[[nodiscard]] unsigned pool_jobs(unsigned jobs);

/// A generated case's verdict: nullopt when it passed, else what went wrong.
using CaseJudge =
    std::function<std::optional<std::string>(const std::string& text, PoolLane& lane)>;

/// How check_cases_pooled ran, besides passing or not.
struct PooledCheck {
  /// In: after this long, shrinking stops (each further candidate passes unjudged, so
  /// RapidCheck keeps the smallest failing case so far); 0: no limit.
  std::chrono::milliseconds shrink_budget{0};
  /// Out, on failure: the reported case (the shrunk one) and its judge's verdict.
  std::string failing_text;
  std::string failure;
};

/// The differential check on a pool: `cases` cases from `seed` as check_cases draws them
/// (`draw` runs inside a RapidCheck property: e.g. scn_text(*gen_scenario())), judged on the
/// pool. When one fails, RapidCheck runs again on lane 0 from the same seed, skipping the
/// judge for the cases before the first failure, and shrinks it as check_cases would; `message`
/// is then its report. True when every case passed.
bool check_cases_pooled(const std::string& name, std::uint64_t cases, std::uint64_t seed,
                        WorkerPool& pool, const std::function<std::string()>& draw,
                        const CaseJudge& judge, std::string& message, PooledCheck* check = nullptr);

}  // namespace ss::oracle
