#pragma once
// `files:DIR`: compatible with PHP's files handler. `sess_<id>` files in DIR holding exactly the
// bytes PHP writes, mode 0600, opened with O_NOFOLLOW, an exclusive flock held from read() until
// close() (or destroy, or a change of id), gc by mtime. Ids outside [A-Za-z0-9,-]{1,256} are
// rejected before any path is built.
//
// Unlike PHP, a write never changes the session file in place: it writes a locked temporary
// file and renames it over sess_<id>, so a killed writer leaves the old or the new session,
// never an empty or torn one. Only regular files with one link, owned by us or root, are used;
// sessions over files_payload_bytes_max are refused with ErrorCode::capacity, on write and on
// read. docs/handlers.md says what this means for PHP processes sharing the directory.

#include <memory>
#include <optional>
#include <string>

#include "handlers/seam.hpp"
#include "model/rng.hpp"

namespace ss::handlers {

class FilesBackend final : public Backend {
 public:
  /// Fails (with the reason) when `dir` is not an existing, writable directory owned by us or
  /// root, or is writable by everyone without the sticky bit.
  static Result<std::unique_ptr<FilesBackend>> create(std::string dir, std::uint64_t seed,
                                                      Clock& clock);
  [[nodiscard]] std::string uri() const override { return "files:" + dir_; }
  [[nodiscard]] Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;
  [[nodiscard]] const std::string& dir() const { return dir_; }

 private:
  FilesBackend(std::string dir, std::uint64_t seed, Clock& clock)
      : dir_(std::move(dir)),
        rng_(std::make_shared<model::Rng>(model::Rng::for_handler_ids(seed))) {
    (void)clock;
  }
  std::string dir_;
  std::shared_ptr<model::Rng> rng_;
};

/// NAME_MAX (255) less "sess_": longer ids cannot have a file, and are refused as malformed.
inline constexpr std::size_t files_id_bytes_max = 250;
/// The largest session read or written (Guarantees::payload_bytes_max).
inline constexpr std::size_t files_payload_bytes_max = payload_bytes_max_default;

/// The path of a session's file; nullopt when the id is malformed or too long (so no path is ever
/// built from a hostile id).
[[nodiscard]] std::optional<std::string> session_file_path(const std::string& dir,
                                                           const std::string& id);

}  // namespace ss::handlers
