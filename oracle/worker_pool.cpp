#include "oracle/worker_pool.hpp"

#include <rapidcheck.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "oracle/scenario_gen.hpp"

namespace ss::oracle {

unsigned pool_jobs(unsigned jobs) {
  if (jobs > 0) return jobs;
  return std::max(1u, std::thread::hardware_concurrency());
}

WorkerPool::WorkerPool(const OracleSetup& setup, unsigned jobs) {
  ::mkdir(setup.work_dir.c_str(), 0700);
  for (unsigned i = 0; i < pool_jobs(jobs); ++i) {
    auto lane = std::make_unique<PoolLane>();
    lane->index = i;
    lane->setup = setup;
    lane->setup.work_dir = setup.work_dir + "/lane-" + std::to_string(i);
    ::mkdir(lane->setup.work_dir.c_str(), 0700);
    lane->worker = std::make_unique<PhpWorker>(lane->setup);
    lane->setup.worker = lane->worker.get();
    lanes_.push_back(std::move(lane));
  }
}

WorkerPool::~WorkerPool() {
  for (auto& lane : lanes_) {
    lane->worker.reset();  // the PHP process ends before its directory goes
    std::error_code ec;
    std::filesystem::remove_all(lane->setup.work_dir, ec);
  }
}

int WorkerPool::starts() const {
  int n = 0;
  for (const auto& lane : lanes_) n += lane->worker->starts();
  return n;
}

namespace {

/// What the lanes share while they run: the next case to take, the first failure so far, and
/// the exceptions out of tasks by case.
struct PoolProgress {
  std::size_t count = 0;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> first_failure{0};
  std::mutex mutex;
  std::vector<std::pair<std::size_t, std::exception_ptr>> thrown;

  void failed(std::size_t index) {
    std::size_t seen = first_failure.load();
    while (index < seen && !first_failure.compare_exchange_weak(seen, index)) {
    }
  }
};

/// One lane's loop: cases in order of index, until none is left before the first failure.
void run_lane(PoolProgress& progress, PoolLane& lane, const WorkerPool::Task& task) {
  for (;;) {
    const std::size_t i = progress.next.fetch_add(1);
    if (i >= progress.count || i > progress.first_failure.load()) return;
    bool passed = false;
    try {
      passed = task(i, lane);
    } catch (...) {
      const std::lock_guard lock(progress.mutex);
      progress.thrown.emplace_back(i, std::current_exception());
    }
    if (!passed) progress.failed(i);
  }
}

}  // namespace

std::optional<std::size_t> WorkerPool::run(std::size_t count, const Task& task) {
  PoolProgress progress;
  progress.count = count;
  progress.first_failure = count;
  if (lanes_.size() == 1) {
    run_lane(progress, *lanes_.front(), task);
  } else {
    std::vector<std::thread> threads;
    for (auto& lane : lanes_) {
      threads.emplace_back([&progress, &lane, &task] { run_lane(progress, *lane, task); });
    }
    for (auto& t : threads) t.join();
  }
  const std::size_t first = progress.first_failure.load();
  if (first == count) return std::nullopt;
  for (const auto& [index, thrown] : progress.thrown) {
    if (index == first) std::rethrow_exception(thrown);
  }
  return first;
}

namespace {

/// RapidCheck again on lane 0, judging from case `first` on, so that it shrinks that case. False
/// when the case did not fail again (then `out` is left alone).
bool shrink_on_lane(const std::string& name, std::uint64_t cases, std::uint64_t seed,
                    PoolLane& lane, const std::function<std::string()>& draw,
                    const CaseJudge& judge, const std::string& expected, std::size_t first,
                    PooledCheck& out, std::string& message) {
  std::size_t seen = 0;
  bool same_case = true;
  std::optional<std::chrono::steady_clock::time_point> started;
  const bool passed = check_cases(
      name, cases, seed,
      [&] {
        const std::string text = draw();
        const std::size_t k = seen++;
        if (k < first) return;
        if (k == first) same_case = text == expected;
        const auto now = std::chrono::steady_clock::now();
        if (!started) started = now;
        if (out.shrink_budget.count() > 0 && now - *started > out.shrink_budget) return;
        if (auto failure = judge(text, lane)) {
          // The last failing case RapidCheck tries is the shrunk counterexample it reports.
          out.failing_text = text;
          out.failure = *failure;
          RC_FAIL(*failure);
        }
      },
      message);
  return !passed && same_case;
}

}  // namespace

bool check_cases_pooled(const std::string& name, std::uint64_t cases, std::uint64_t seed,
                        WorkerPool& pool, const std::function<std::string()>& draw,
                        const CaseJudge& judge, std::string& message, PooledCheck* check) {
  PooledCheck ignored;
  PooledCheck& out = check ? *check : ignored;
  // The cases as check_cases would draw them: the same seed gives the same texts in the same
  // order, whatever the property does with them.
  std::vector<std::string> texts;
  if (!check_cases(
          name + " (drawing)", cases, seed, [&] { texts.push_back(draw()); }, message)) {
    return false;
  }
  std::vector<std::optional<std::string>> verdicts(texts.size());
  const auto first = pool.run(texts.size(), [&](std::size_t i, PoolLane& lane) {
    verdicts[i] = judge(texts[i], lane);
    return !verdicts[i].has_value();
  });
  if (!first) {
    message = "OK, passed " + std::to_string(texts.size()) + " tests";
    return true;
  }
  if (!shrink_on_lane(name, cases, seed, pool.lane(0), draw, judge, texts[*first], *first, out,
                      message)) {
    // Not reproduced on one lane: the pooled verdict, unshrunk.
    out.failing_text = texts[*first];
    out.failure = *verdicts[*first];
    message = "case " + std::to_string(*first + 1) + " failed (not shrunk): " + out.failure + "\n" +
              out.failing_text;
  }
  return false;
}

}  // namespace ss::oracle
