#pragma once
// Idle connections of finished requests, kept by a backend for its next requests (the Redis and
// SQLite handlers): a request then costs its commands, not a new connection. Free of client
// library includes; the handler says how to close a connection and when one may be reused.

#include <cstddef>
#include <optional>
#include <vector>

namespace ss::handlers {

/// A backend keeps at most this many idle connections.
inline constexpr std::size_t idle_connections_max = 16;

/// `Conn` is a cheap handle (a pointer or a small struct of pointers). Like a backend's id
/// generator, a pool is used from one thread.
template <class Conn>
class IdlePool {
 public:
  using Close = void (*)(Conn&);
  using Usable = bool (*)(const Conn&);
  /// `usable` is asked when a connection is taken; one it refuses is closed instead.
  IdlePool(Close close, Usable usable) : close_(close), usable_(usable) {}
  IdlePool(const IdlePool&) = delete;
  IdlePool& operator=(const IdlePool&) = delete;
  ~IdlePool() {
    for (Conn& c : idle_) close_(c);
  }

  /// The most recently returned connection that is still usable, or nothing.
  std::optional<Conn> take() {
    while (!idle_.empty()) {
      Conn c = idle_.back();
      idle_.pop_back();
      if (usable_(c)) return c;
      close_(c);
    }
    return std::nullopt;
  }

  /// Keeps a clean connection for a later request, or closes it when the pool is full.
  void give(Conn c) {
    if (idle_.size() < idle_connections_max) {
      idle_.push_back(c);
    } else {
      close_(c);
    }
  }

 private:
  Close close_;
  Usable usable_;
  std::vector<Conn> idle_;
};

}  // namespace ss::handlers
