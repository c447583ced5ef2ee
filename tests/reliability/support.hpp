#pragma once
// Helpers shared by the reliability tests: scratch directories, writer processes killed with
// SIGKILL at seeded random moments, session payloads whose every prefix is detectably torn, and
// the peak resident set size.

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/codec.hpp"
#include "model/rng.hpp"

namespace ss::reliability {

/// A fresh directory (mode 0700) removed with everything in it when the object goes away.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& tag) {
    std::string tmpl = "/tmp/ss-reliability-" + tag + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] bool ok() const { return !path_.empty(); }

 private:
  std::string path_;
};

/// A session in the php format holding one string of `bytes` copies of a letter chosen by
/// `serial`: any prefix of it fails to decode, so a torn write is always detected.
inline std::string session_payload(std::uint64_t serial, std::size_t bytes) {
  const char letter = static_cast<char>('a' + serial % 26);
  return "v|s:" + std::to_string(bytes) + ":\"" + std::string(bytes, letter) +
         "\";n|i:" + std::to_string(serial) + ";";
}

/// Empty when `stored` is a whole session_payload(); otherwise what is wrong with it.
inline std::string payload_problem(const std::string& stored) {
  if (stored.empty()) return "empty";
  auto decoded = model::decode_session(stored, model::Serializer::php);
  if (const auto* e = std::get_if<model::DecodeError>(&decoded)) {
    return "does not decode (offset " + std::to_string(e->offset) + ": " + e->message + ")";
  }
  const auto& a = std::get<model::Array>(decoded);
  const auto* n = a.find(model::Key{std::string("n")});
  if (n == nullptr || a.size() != 2) return "is not a whole payload";
  return {};
}

/// Starts `children` processes running `body` (which should loop until killed; a child that
/// returns exits 0), lets them run for a seeded random 1..max_ms milliseconds, then SIGKILLs
/// and reaps them all. Returns the delay used, for the failure message.
inline long run_and_kill(int children, std::uint64_t seed, long max_ms,
                         const std::function<void(int child)>& body) {
  std::vector<pid_t> pids;
  for (int c = 0; c < children; ++c) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      body(c);
      ::_exit(0);
    }
    if (pid > 0) pids.push_back(pid);
  }
  model::Rng rng(seed);
  const long delay_us =
      1000 + static_cast<long>(rng.next() % static_cast<std::uint64_t>(max_ms * 1000));
  struct timespec ts {
    delay_us / 1'000'000, (delay_us % 1'000'000) * 1000
  };
  ::nanosleep(&ts, nullptr);
  for (pid_t pid : pids) ::kill(pid, SIGKILL);
  for (pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  return delay_us;
}

/// Everything in the file at `path` ("" when it cannot be read).
inline std::string whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The largest resident set this process has had, in bytes.
inline std::size_t peak_rss_bytes() {
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<std::size_t>(ru.ru_maxrss) * 1024;
}

}  // namespace ss::reliability
