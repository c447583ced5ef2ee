#include "sched/faults.hpp"

#include <algorithm>
#include <charconv>

#include "model/calls.hpp"
#include "model/rng.hpp"

namespace ss::sched {

using handlers::FaultKind;

namespace {

/// Bounds on what a fault plan may say, so that a hostile schedule string stays small.
constexpr int tasks_max = 10'000;
constexpr int points_max = 1'000'000;
constexpr std::int64_t stall_s_max = 10LL * 365 * 24 * 3600;
constexpr int faults_per_schedule_max = 16;

template <class T>
bool number(std::string_view text, T& out, T lo, T hi) {
  auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && out >= lo && out <= hi;
}

}  // namespace

std::string Fault::str() const {
  std::string out = std::to_string(task) + "." + std::to_string(point) + ":" +
                    std::string(handlers::fault_kind_name(kind));
  if (kind == FaultKind::stall) out += "=" + std::to_string(seconds);
  return out;
}

std::optional<Fault> parse_fault(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::size_t colon = text.find(':');
  if (dot == std::string_view::npos || colon == std::string_view::npos || colon < dot) {
    return std::nullopt;
  }
  Fault f;
  if (!number(text.substr(0, dot), f.task, 0, tasks_max - 1) ||
      !number(text.substr(dot + 1, colon - dot - 1), f.point, 1, points_max)) {
    return std::nullopt;
  }
  std::string_view kind = text.substr(colon + 1);
  const std::size_t eq = kind.find('=');
  auto k = handlers::parse_fault_kind(kind.substr(0, eq));
  if (!k) return std::nullopt;
  f.kind = *k;
  if (f.kind == FaultKind::stall) {
    if (eq == std::string_view::npos) return std::nullopt;
    if (!number(kind.substr(eq + 1), f.seconds, std::int64_t{1}, stall_s_max)) return std::nullopt;
  } else if (eq != std::string_view::npos) {
    return std::nullopt;
  }
  return f;
}

bool fault_fits(FaultKind kind, std::string_view what) {
  switch (kind) {
    case FaultKind::fail:
    case FaultKind::reset:
    case FaultKind::busy:
    case FaultKind::full: return model::parse_method(what).has_value();
    default: return true;
  }
}

int fault_count(const std::vector<Fault>& faults) {
  return static_cast<int>(std::count_if(faults.begin(), faults.end(),
                                        [](const Fault& f) { return f.kind != FaultKind::skip; }));
}

base::Result<FaultOptions> parse_fault_options(std::string_view spec) {
  FaultOptions out;
  out.spec = std::string(spec);
  auto add = [&](FaultKind k) {
    if (std::find(out.kinds.begin(), out.kinds.end(), k) == out.kinds.end()) out.kinds.push_back(k);
  };
  auto bad = [&](std::string_view part, const std::string& why) {
    return base::error("faults '" + std::string(spec) + "': " + std::string(part) + ": " + why +
                       " (want crash, fail, stall[=S], reset, busy, full, restart or all, and "
                       "max=N, separated by commas)");
  };
  for (std::size_t pos = 0; pos <= spec.size();) {
    const std::size_t comma = std::min(spec.find(',', pos), spec.size());
    const std::string_view part = spec.substr(pos, comma - pos);
    pos = comma + 1;
    const std::size_t eq = part.find('=');
    const std::string_view name = part.substr(0, eq);
    const std::string_view arg = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    if (name == "all") {
      for (FaultKind k : {FaultKind::crash, FaultKind::fail, FaultKind::stall, FaultKind::reset,
                          FaultKind::busy, FaultKind::full, FaultKind::restart}) {
        add(k);
      }
    } else if (name == "max") {
      if (!number(arg, out.faults_max, 1, faults_per_schedule_max)) {
        return bad(part, "max must be 1.." + std::to_string(faults_per_schedule_max));
      }
    } else if (auto k = handlers::parse_fault_kind(name); k && *k != FaultKind::skip) {
      if (*k == FaultKind::stall && !arg.empty()) {
        std::int64_t s = 0;
        if (!number(arg, s, std::int64_t{1}, stall_s_max)) return bad(part, "bad seconds");
        out.stalls_s.push_back(s);
      } else if (!arg.empty()) {
        return bad(part, "takes no value");
      }
      add(*k);
    } else {
      return bad(part, "unknown fault");
    }
  }
  if (out.kinds.empty()) return bad(spec, "no fault kind");
  return out;
}

namespace {

class RandomPlanner final : public FaultPlanner {
 public:
  RandomPlanner(FaultOptions o, std::uint64_t seed) : o_(std::move(o)), seed_(seed), rng_(seed) {}
  void begin(std::uint64_t index) override;
  std::optional<Fault> at(int task, int point, std::string_view what) override;
  void end(int points) override { points_estimate_ = std::max(points_estimate_, points); }

 private:
  FaultOptions o_;
  std::uint64_t seed_;
  model::Rng rng_;
  /// The global point numbers (1-based, over all tasks) at which a fault strikes.
  std::vector<int> targets_;
  int seen_ = 0;
  int points_estimate_ = 16;
};

void RandomPlanner::begin(std::uint64_t index) {
  rng_ = model::Rng(seed_ ^ (index * 0xa24baed4963ee407ULL));
  seen_ = 0;
  targets_.clear();
  const int n = 1 + static_cast<int>(rng_.below(static_cast<std::uint64_t>(o_.faults_max)));
  for (int i = 0; i < n; ++i) {
    targets_.push_back(1 + static_cast<int>(rng_.below(
                               static_cast<std::uint64_t>(std::max(points_estimate_, 1)))));
  }
}

std::optional<Fault> RandomPlanner::at(int task, int point, std::string_view what) {
  ++seen_;
  if (std::find(targets_.begin(), targets_.end(), seen_) == targets_.end()) return std::nullopt;
  std::vector<FaultKind> fit;
  for (FaultKind k : o_.kinds) {
    if (fault_fits(k, what)) fit.push_back(k);
  }
  if (fit.empty()) return std::nullopt;
  Fault f{task, point, fit[rng_.below(fit.size())], 0};
  if (f.kind == FaultKind::stall) {
    f.seconds = o_.stalls_s.empty() ? 1 : o_.stalls_s[rng_.below(o_.stalls_s.size())];
  }
  return f;
}

class ReplayPlanner final : public FaultPlanner {
 public:
  explicit ReplayPlanner(std::vector<Fault> faults) : faults_(std::move(faults)) {}
  void begin(std::uint64_t) override {}
  std::optional<Fault> at(int task, int point, std::string_view) override {
    for (const auto& f : faults_) {
      if (f.task == task && f.point == point) return f;
    }
    return std::nullopt;
  }

 private:
  std::vector<Fault> faults_;
};

}  // namespace

std::unique_ptr<FaultPlanner> random_planner(FaultOptions options, std::uint64_t seed) {
  return std::make_unique<RandomPlanner>(std::move(options), seed);
}

std::unique_ptr<FaultPlanner> replay_planner(std::vector<Fault> faults) {
  return std::make_unique<ReplayPlanner>(std::move(faults));
}

}  // namespace ss::sched
