#pragma once
// A redis-server of the test's own on a free loopback port (no persistence), so that a test can
// kill it in the middle of a certification without disturbing the ctest `redis` fixture.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "base/child_process.hpp"
#include "base/fd_guard.hpp"

namespace ss::test {

class PrivateRedis {
 public:
  /// Starts the server and waits (at most 10 s) until it accepts connections; ok() says whether
  /// it does.
  PrivateRedis() {
    port_ = free_port();
    if (port_ == 0) return;
    base::SpawnOptions options;
    options.stderr_mode = base::SpawnOptions::Stderr::discard;
    std::string error;
    const std::string port = std::to_string(port_);
    if (!server_.start({"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
                        "--appendonly", "no", "--dir", "/tmp", "--logfile", ""},
                       options, error)) {
      return;
    }
    constexpr int ready_ms = 10'000;
    const std::int64_t deadline = base::steady_ms() + ready_ms;
    while (!accepts() && base::steady_ms() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ok_ = accepts();
  }

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string uri(const std::string& query = "") const {
    return "redis://127.0.0.1:" + std::to_string(port_) + query;
  }
  /// The server dies now (SIGKILL): later connections are refused.
  void kill() { server_.kill(); }

 private:
  /// A port the kernel just had free (bind to 0, read it back, release it).
  static int free_port() {
    base::FdGuard fd(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd.fd < 0 || ::bind(fd.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return 0;
    }
    return ntohs(addr.sin_port);
  }

  [[nodiscard]] bool accepts() const {
    base::FdGuard fd(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return fd.fd >= 0 && ::connect(fd.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }

  base::ChildProcess server_;
  int port_ = 0;
  bool ok_ = false;
};

}  // namespace ss::test
