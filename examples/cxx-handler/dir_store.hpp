#pragma once
// DirStore: a session store of its own for the sessionspec SDK example. Every session is one
// file in a directory, named by the session id and holding "<mtime>\n<data>"; the mtime comes
// from the clock sessionspec hands each request, so the conformance suite can age sessions
// without waiting. Writes go to a hidden temporary file renamed over the session's, so a reader
// never sees half a session.

#include <cstdint>
#include <memory>
#include <random>
#include <sessionspec/handlers/seam.hpp>
#include <string>

namespace example {

class DirStore final : public ss::handlers::Backend {
 public:
  /// Keeps sessions in `dir` (which must exist); `seed` drives create_sid.
  DirStore(std::string dir, std::uint64_t seed);
  [[nodiscard]] std::string uri() const override { return "dir:" + dir_; }
  [[nodiscard]] ss::handlers::Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<ss::handlers::SessionHandler> connect(
      ss::handlers::RequestEnv env) override;

 private:
  std::string dir_;
  std::shared_ptr<std::mt19937_64> ids_;
};

}  // namespace example
