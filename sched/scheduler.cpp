#include "sched/scheduler.hpp"

#include <algorithm>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "sched/coordinator.hpp"

namespace ss::sched {

int default_choice(const std::vector<int>& ready, int current) {
  if (std::find(ready.begin(), ready.end(), current) != ready.end()) return current;
  return ready.front();
}

// ---- schedules -------------------------------------------------------------------------------

std::string Schedule::str() const {
  std::string out;
  for (std::size_t i = 0; i < picks.size();) {
    std::size_t j = i;
    while (j < picks.size() && picks[j] == picks[i]) ++j;
    if (!out.empty()) out += '.';
    out += std::to_string(picks[i]);
    if (j - i > 1) out += "x" + std::to_string(j - i);
    i = j;
  }
  if (out.empty()) out = "-";
  for (std::size_t i = 0; i < faults.size(); ++i) out += (i == 0 ? "/" : ",") + faults[i].str();
  return out;
}

namespace {

/// The faults after a schedule's '/': "1.4:crash,0.2:stall=31".
bool parse_faults(std::string_view text, std::vector<Fault>& out) {
  constexpr std::size_t faults_max = 64;
  for (std::size_t pos = 0; pos <= text.size();) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    auto f = parse_fault(text.substr(pos, comma - pos));
    if (!f || out.size() == faults_max) return false;
    out.push_back(*f);
    pos = comma + 1;
  }
  return true;
}

}  // namespace

std::optional<Schedule> parse_schedule(std::string_view text) {
  // A bound on replay length, so that a hostile schedule string cannot exhaust memory.
  constexpr std::size_t picks_max = 1'000'000;
  Schedule s;
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    if (!parse_faults(text.substr(slash + 1), s.faults)) return std::nullopt;
    text = text.substr(0, slash);
  }
  if (text == "-") return s;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t dot = std::min(text.find('.', pos), text.size());
    std::string_view part = text.substr(pos, dot - pos);
    std::size_t x = part.find('x');
    int task = 0;
    std::size_t count = 1;
    auto r = std::from_chars(part.data(), part.data() + std::min(x, part.size()), task);
    if (r.ec != std::errc() || r.ptr != part.data() + std::min(x, part.size()) || task < 0) {
      return std::nullopt;
    }
    if (x != std::string_view::npos) {
      auto c = std::from_chars(part.data() + x + 1, part.data() + part.size(), count);
      if (c.ec != std::errc() || c.ptr != part.data() + part.size() || count == 0)
        return std::nullopt;
    }
    if (s.picks.size() + count > picks_max) return std::nullopt;
    s.picks.insert(s.picks.end(), count, task);
    pos = dot + 1;
  }
  return s;
}

// ---- the scheduler ---------------------------------------------------------------------------

int Scheduler::add_task() {
  tasks_.emplace_back();
  ++unfinished_;
  return static_cast<int>(tasks_.size()) - 1;
}

void Scheduler::finish(int task) {
  auto& t = tasks_.at(static_cast<std::size_t>(task));
  if (!t.finished) --unfinished_;
  t.finished = true;
}

handlers::Task<void> Scheduler::park(int task, std::string_view what, bool blocked) {
  auto& t = tasks_.at(static_cast<std::size_t>(task));
  SS_ASSERT(!t.parked && !t.finished,
            "task " + std::to_string(task) + " parks twice at " + std::string(what));
  if (!blocked) ++t.points;
  if (!blocked && hook_ != nullptr) hook_->on_point(task, t.points, what);
  t.what = what;
  if (blocked && !t.blocked) ++blocked_;
  if (!blocked && t.blocked) --blocked_;
  t.blocked = blocked;
  t.waiting = blocked;
  // Not a coroutine itself: the operation's awaitable is returned, one frame less per step.
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void()>(
      [&t](Parked handler) { t.parked.emplace(std::move(handler)); }, boost::asio::use_awaitable);
}

// A task blocked on a lock may try again once another task has made progress, which may have
// released the lock. A retry that found the lock still taken is no progress: were it to release
// the other waiters, two waiters could wake each other forever while the holder never runs
// (a livelock of the scheduler, not of the system: a real lock wait sleeps).
void Scheduler::after_step() {
  if (current_ < 0 || blocked_ == 0) return;
  const auto& last = tasks_[static_cast<std::size_t>(current_)];
  if (resumed_wait_ && last.waiting && !last.finished) return;
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    if (static_cast<int>(i) != current_ && tasks_[i].blocked) {
      tasks_[i].blocked = false;
      --blocked_;
    }
  }
}

// Destroying a parked handler posts the destruction of its coroutine stack to the io_context
// (Asio unwinds a coroutine through its executor); running it here frees the frames while what
// they refer to still exists.
void Scheduler::drop_parked() {
  bool any = false;
  for (auto& t : tasks_) {
    any = any || t.parked.has_value();
    t.parked.reset();
  }
  if (!any) return;
  io_.restart();
  io_.poll();
}

int Scheduler::points(int task) const {
  return tasks_.at(static_cast<std::size_t>(task)).points;
}

// A crashed task's coroutine is destroyed where it is parked (its frames unwind: the handler call
// in progress is abandoned, as a killed process abandons it), then the hook disposes of what
// the process held. Its completion handler never runs, so it is finished here.
void Scheduler::apply_crashes() {
  for (std::size_t i = 0; i < crashes_.size(); ++i) {
    const int task = crashes_[i];
    auto& t = tasks_.at(static_cast<std::size_t>(task));
    if (t.finished) continue;
    if (t.blocked) --blocked_;
    t.blocked = false;
    t.waiting = false;
    t.parked.reset();
    io_.restart();
    io_.poll();
    finish(task);
    if (hook_ != nullptr) hook_->on_crashed(task);
  }
  crashes_.clear();
}

// Timed waits: when every unfinished task waits for a lock, a poll interval passes for all of
// them and they retry. Their handlers count the retries, so this ends.
bool Scheduler::elapse_waits() {
  if (!timed_waits_ || blocked_ == 0 || hook_ == nullptr) return false;
  hook_->on_waits_elapsed();
  for (auto& t : tasks_) t.blocked = false;
  blocked_ = 0;
  return true;
}

void Scheduler::reset() {
  drop_parked();
  hook_ = nullptr;
  timed_waits_ = false;
  crashes_.clear();
  tasks_.clear();
  result_ = RunResult{};
  current_ = -1;
  resumed_wait_ = false;
  unfinished_ = 0;
  blocked_ = 0;
}

/// The scheduler's tasks as the coordinator steps them: coroutines parked on the io_context.
struct Scheduler::Steps {
  Scheduler& s;

  void advance() {
    s.io_.restart();
    s.io_.poll();
  }
  bool collect_ready(std::vector<int>& ready) {
    if (!s.crashes_.empty()) s.apply_crashes();
    if (s.unfinished_ == 0) return false;
    s.after_step();
    fill(ready);
    if (ready.empty() && s.elapse_waits()) fill(ready);
    return true;
  }
  void fill(std::vector<int>& ready) const {
    ready.clear();
    for (std::size_t i = 0; i < s.tasks_.size(); ++i) {
      if (s.tasks_[i].parked && !s.tasks_[i].blocked) ready.push_back(static_cast<int>(i));
    }
  }
  void grant(int task) {
    auto& t = s.tasks_.at(static_cast<std::size_t>(task));
    Parked handler = std::move(*t.parked);
    t.parked.reset();
    s.resumed_wait_ = t.waiting;
    if (s.hook_ != nullptr) s.hook_->on_resumed(task);
    boost::asio::post(s.io_, std::move(handler));
  }
  void record_waits(std::vector<TaskWait>& waits) const {
    for (std::size_t i = 0; i < s.tasks_.size(); ++i) {
      const TaskState& t = s.tasks_[i];
      if (!t.finished) waits.push_back({static_cast<int>(i), std::string(t.what), t.blocked});
    }
  }
};

RunEnd Scheduler::run(Strategy& strategy, std::size_t steps_max) {
  Steps steps{*this};
  return coordinate(steps, strategy, steps_max, current_, result_, ready_);
}

handlers::Task<void> TaskPoints::point(std::string_view what) {
  return sched_.park(task_, what, false);
}

handlers::Task<bool> TaskPoints::blocked(std::string_view what, int attempt) {
  if (attempt >= Scheduler::blocked_attempts_max) co_return false;
  co_await sched_.park(task_, what, true);
  co_return true;
}

// ---- strategies ------------------------------------------------------------------------------

int ChoiceStrategy::choose(const std::vector<int>& ready, int current, std::size_t step) {
  const int first = default_choice(ready, current);
  const int c = step < choices_.size() ? choices_[step] : 0;
  if (c == 0 || tasks_ <= 0) return first;
  const int want = (c - 1) % tasks_;
  return std::find(ready.begin(), ready.end(), want) != ready.end() ? want : first;
}

namespace {

class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : seed_(seed), rng_(seed) {}
  void begin(std::uint64_t index, int) override { rng_ = model::Rng(seed_ ^ (index * 0x9e37ULL)); }
  int choose(const std::vector<int>& ready, int, std::size_t) override {
    return ready[rng_.below(ready.size())];
  }
  std::string name() const override { return "random"; }

 private:
  std::uint64_t seed_;
  model::Rng rng_;
};

/// Coyote's "probabilistic": keep running the current task, switch with probability 2^-3.
class StickyStrategy final : public Strategy {
 public:
  explicit StickyStrategy(std::uint64_t seed) : seed_(seed), rng_(seed) {}
  void begin(std::uint64_t index, int) override { rng_ = model::Rng(seed_ ^ (index * 0x7f4aULL)); }
  int choose(const std::vector<int>& ready, int current, std::size_t) override {
    const bool current_ready = std::find(ready.begin(), ready.end(), current) != ready.end();
    if (current_ready && rng_.below(8) != 0) return current;
    return ready[rng_.below(ready.size())];
  }
  std::string name() const override { return "sticky"; }

 private:
  std::uint64_t seed_;
  model::Rng rng_;
};

/// PCT (Burckhardt et al.): random distinct priorities >= depth, and depth-1 change points at
/// which the running task drops to a low priority.
class PctStrategy final : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth) : seed_(seed), depth_(depth), rng_(seed) {}
  void begin(std::uint64_t index, int tasks) override;
  int choose(const std::vector<int>& ready, int current, std::size_t step) override;
  void end(std::size_t steps) override { steps_estimate_ = std::max(steps_estimate_, steps); }
  std::string name() const override { return "pct:" + std::to_string(depth_); }

 private:
  std::uint64_t seed_;
  int depth_;
  model::Rng rng_;
  std::vector<int> priority_;
  std::vector<std::size_t> change_points_;
  std::size_t steps_estimate_ = 16;
};

void PctStrategy::begin(std::uint64_t index, int tasks) {
  rng_ = model::Rng(seed_ ^ (index * 0x94d0ULL));
  priority_.assign(static_cast<std::size_t>(tasks), 0);
  for (int i = 0; i < tasks; ++i) priority_[static_cast<std::size_t>(i)] = depth_ + i;
  for (std::size_t i = priority_.size(); i > 1; --i) {
    std::swap(priority_[i - 1], priority_[rng_.below(i)]);
  }
  change_points_.clear();
  for (int i = 1; i < depth_; ++i) change_points_.push_back(rng_.below(steps_estimate_));
}

int PctStrategy::choose(const std::vector<int>& ready, int, std::size_t step) {
  auto best = [&] {
    return *std::max_element(ready.begin(), ready.end(), [&](int a, int b) {
      return priority_[static_cast<std::size_t>(a)] < priority_[static_cast<std::size_t>(b)];
    });
  };
  for (std::size_t i = 0; i < change_points_.size(); ++i) {
    if (change_points_[i] == step)
      priority_[static_cast<std::size_t>(best())] = static_cast<int>(i);
  }
  return best();
}

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(Schedule s) : schedule_(std::move(s)) {}
  void begin(std::uint64_t, int) override {}
  int choose(const std::vector<int>& ready, int current, std::size_t step) override {
    if (step < schedule_.picks.size()) {
      const int want = schedule_.picks[step];
      if (std::find(ready.begin(), ready.end(), want) != ready.end()) return want;
    }
    return default_choice(ready, current);
  }
  std::string name() const override { return "replay"; }

 private:
  Schedule schedule_;
};

/// Rotates random, sticky, PCT(2) and PCT(3), one schedule each, as Coyote's portfolio does.
class PortfolioStrategy final : public Strategy {
 public:
  explicit PortfolioStrategy(std::uint64_t seed) {
    members_.push_back(std::make_unique<RandomStrategy>(seed));
    members_.push_back(std::make_unique<StickyStrategy>(seed + 1));
    members_.push_back(std::make_unique<PctStrategy>(seed + 2, 2));
    members_.push_back(std::make_unique<PctStrategy>(seed + 3, 3));
  }
  void begin(std::uint64_t index, int tasks) override {
    active_ = members_[index % members_.size()].get();
    active_->begin(index / members_.size(), tasks);
  }
  int choose(const std::vector<int>& r, int c, std::size_t s) override {
    return active_->choose(r, c, s);
  }
  void end(std::size_t steps) override { active_->end(steps); }
  std::string name() const override { return "portfolio"; }

 private:
  std::vector<std::unique_ptr<Strategy>> members_;
  Strategy* active_ = nullptr;
};

}  // namespace

std::unique_ptr<Strategy> make_dfs_strategy(int preemption_bound);

base::Result<std::unique_ptr<Strategy>> make_strategy(const std::string& spec, std::uint64_t seed) {
  const std::size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto number = [&](int fallback, int lo, int hi) -> std::optional<int> {
    if (arg.empty()) return fallback;
    int v = 0;
    auto r = std::from_chars(arg.data(), arg.data() + arg.size(), v);
    if (r.ec != std::errc() || r.ptr != arg.data() + arg.size() || v < lo || v > hi) {
      return std::nullopt;
    }
    return v;
  };
  using Made = std::unique_ptr<Strategy>;
  if (kind == "random") return Made(std::make_unique<RandomStrategy>(seed));
  if (kind == "sticky") return Made(std::make_unique<StickyStrategy>(seed));
  if (kind == "portfolio") return Made(std::make_unique<PortfolioStrategy>(seed));
  if (kind == "pct") {
    if (auto d = number(3, 1, 8)) return Made(std::make_unique<PctStrategy>(seed, *d));
    return base::error("pct depth must be 1..8, got '" + arg + "'");
  }
  if (kind == "dfs") {
    if (auto b = number(2, 0, 3)) return make_dfs_strategy(*b);
    return base::error("dfs preemption bound must be 0..3, got '" + arg + "'");
  }
  if (kind == "replay") {
    if (auto s = parse_schedule(arg)) return replay_strategy(std::move(*s));
    return base::error("malformed schedule '" + arg + "' (want e.g. 0x3.1x2.0)");
  }
  return base::error("unknown strategy '" + spec +
                     "' (want random, sticky, pct[:D], dfs[:B], portfolio)");
}

std::unique_ptr<Strategy> replay_strategy(Schedule schedule) {
  return std::make_unique<ReplayStrategy>(std::move(schedule));
}

}  // namespace ss::sched
