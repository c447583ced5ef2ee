#pragma once
// Time as handlers see it. Real runs use the wall clock; scenarios and the explorer use a virtual
// clock that only moves when told, so expiry is deterministic.

#include <cstdint>

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

}  // namespace ss::handlers
