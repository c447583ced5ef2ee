#pragma once
// The one PRNG of the project: splitmix64, seeded explicitly. No random_device anywhere in the
// model, handlers' id generation or the scheduler, so one seed reproduces a run.

#include <cstdint>

namespace ss::model {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  /// The next 64 random bits.
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, bound); bound > 0. The modulo bias is below 2^-40 for the bounds used here.
  std::uint64_t below(std::uint64_t bound) { return next() % bound; }
  /// The stream a handler draws its create_sid ids from. Engines draw PHP-made ids from
  /// Rng(seed); a handler seeded the same way would hand out the very same ids.
  static Rng for_handler_ids(std::uint64_t seed) { return Rng(seed ^ 0xa5a55a5ac3c33c3cULL); }
  /// A child generator, so that independent consumers do not perturb each other's streams.
  Rng fork() { return Rng(next()); }

 private:
  std::uint64_t state_;
};

}  // namespace ss::model
