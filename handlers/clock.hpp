#pragma once
// Time as handlers see it. Real runs use the wall clock; scenarios and the explorer use a virtual
// clock that only moves when told, so expiry is deterministic.

#include <cstdint>
#include <limits>

namespace ss::handlers {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Seconds since the Unix epoch.
  [[nodiscard]] virtual std::int64_t now_s() const = 0;
};

/// The system's clock.
class RealClock final : public Clock {
 public:
  [[nodiscard]] std::int64_t now_s() const override;
};

/// A clock that moves only when advanced.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_s) : now_s_(start_s) {}
  [[nodiscard]] std::int64_t now_s() const override { return now_s_; }
  void advance(std::int64_t seconds) { now_s_ += seconds; }
  void set(std::int64_t now_s) { now_s_ = now_s; }

 private:
  std::int64_t now_s_;
};

/// The modification time before which a session is garbage for gc(max_lifetime_s) at `now_s`.
/// gc takes any integer PHP passes, so the subtraction saturates instead of overflowing, keeping
/// PHP's arithmetic: a huge negative lifetime makes every session old enough to collect, a huge
/// positive one makes every session young.
[[nodiscard]] inline std::int64_t gc_cutoff_s(std::int64_t now_s, std::int64_t max_lifetime_s) {
  std::int64_t cutoff_s = 0;
  if (__builtin_sub_overflow(now_s, max_lifetime_s, &cutoff_s)) {
    cutoff_s = max_lifetime_s < 0 ? std::numeric_limits<std::int64_t>::max()
                                  : std::numeric_limits<std::int64_t>::min();
  }
  return cutoff_s;
}

}  // namespace ss::handlers
