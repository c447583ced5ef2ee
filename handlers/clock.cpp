#include "handlers/clock.hpp"

#include <chrono>

namespace ss::handlers {

std::int64_t RealClock::now_s() const {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace ss::handlers
