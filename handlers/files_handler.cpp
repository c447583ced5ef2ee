#include "handlers/files_handler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "base/fd_guard.hpp"
#include "handlers/factories.hpp"
#include "model/engine.hpp"

namespace ss::handlers {

using base::FdGuard;

namespace {

/// Re-opening because the locked file was unlinked under us can repeat; bound it.
constexpr int reopen_attempts_max = 8;
/// Files read in chunks of this size.
constexpr std::size_t read_chunk_bytes = 64 * 1024;

HandlerError sys_error(const std::string& what, const std::string& path) {
  return fail(ErrorCode::io, what + " " + path + ": " + std::strerror(errno));
}

/// Unlike PHP's files gc, never delete a session a request holds locked: that request is about
/// to write it back, and its write would go to an unlinked file (P-43, CodeIgniter#5884).
bool unlink_unless_locked(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  const bool removed = free && ::unlink(path.c_str()) == 0;
  ::close(fd);
  return removed;
}

/// Which file a descriptor has open. Device and inode never change for an open descriptor, so
/// they are read once, when the lock is taken.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
};

std::optional<FileIdentity> identity_of(int fd) {
  struct stat st = {};
  if (::fstat(fd, &st) != 0) return std::nullopt;
  return FileIdentity{st.st_dev, st.st_ino};
}

/// `path` still names the file we have open (it was not unlinked or replaced meanwhile).
bool still_at(const FileIdentity& ours, const std::string& path) {
  struct stat st = {};
  return ::lstat(path.c_str(), &st) == 0 && st.st_dev == ours.dev && st.st_ino == ours.ino;
}

// A short read of a regular file is its end (Linux does not interrupt regular-file reads part
// way), so a session smaller than one chunk costs one pread, not a second one that returns 0.
Result<std::string> read_all(int fd, const std::string& path) {
  std::string data;
  char buf[read_chunk_bytes];
  off_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read", path);
    }
    data.append(buf, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) < sizeof buf) return data;
    off += n;
  }
}

class FilesHandler final : public SessionHandler {
 public:
  FilesHandler(std::string dir, std::shared_ptr<model::Rng> rng, RequestEnv env)
      : dir_(std::move(dir)), rng_(std::move(rng)), env_(env) {}
  ~FilesHandler() override { release(); }

  Task<Status> open(std::string, std::string) override { co_return ok_status(); }

  Task<Status> close() override {
    release();
    co_return ok_status();
  }

  Task<Result<std::string>> read(std::string id) override {
    auto locked = co_await lock(id);
    if (!locked) co_return locked.error();
    co_return read_all(fd_, path_);
  }

  Task<Status> write(std::string id, std::string data) override;
  Task<Status> destroy(std::string id) override;
  Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) override;
  Task<Result<std::string>> create_sid() override;
  Task<Result<bool>> validate_id(std::string id) override;
  Task<Status> update_timestamp(std::string id, std::string data) override;

 private:
  Task<Status> lock(const std::string& id);
  Result<int> open_file(const std::string& path);
  Status stamp(int fd);
  void release();

  std::string dir_;
  std::shared_ptr<model::Rng> rng_;
  RequestEnv env_;
  int fd_ = -1;
  /// The file fd_ has open.
  FileIdentity locked_;
  std::string id_;
  std::string path_;
  /// This handler created the file by reading an unknown id and has not written it yet.
  bool created_empty_ = false;
};

// Opens (creating if absent) without following symlinks; remembers whether we created it. The
// usual case, a session that exists, costs one open; only a missing file is created, with
// O_EXCL so that we know it was us. Another request can create or remove the file in between,
// so the two attempts alternate, a bounded number of times.
Result<int> FilesHandler::open_file(const std::string& path) {
  for (int attempt = 0; attempt < reopen_attempts_max; ++attempt) {
    int fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      created_empty_ = false;
      return fd;
    }
    if (errno != ENOENT) return sys_error("cannot open", path);
    fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      created_empty_ = true;
      return fd;
    }
    if (errno != EEXIST) return sys_error("cannot create", path);
  }
  return fail(ErrorCode::io, "session file kept appearing and disappearing: " + path);
}

// PHP's order: open, then a blocking exclusive flock. Blocking is a scheduling point here, and a
// file unlinked while we waited (destroy or gc by another request) is opened again.
Task<Status> FilesHandler::lock(const std::string& id) {
  // gc may have removed our locked file: never read or write the unlinked inode.
  if (fd_ >= 0 && id == id_ && still_at(locked_, path_)) co_return ok_status();
  release();
  auto path = session_file_path(dir_, id);
  if (!path) co_return bad_id(id);
  for (int reopen = 0; reopen < reopen_attempts_max; ++reopen) {
    auto opened = open_file(*path);
    if (!opened) co_return opened.error();
    FdGuard guard{opened.value()};
    for (int attempt = 0; ::flock(guard.fd, LOCK_EX | LOCK_NB) != 0; ++attempt) {
      if (errno != EWOULDBLOCK && errno != EINTR) co_return sys_error("flock", *path);
      if (!co_await env_.points->blocked("flock " + *path, attempt)) {
        co_return fail(ErrorCode::timeout, "timed out waiting for the lock on " + *path);
      }
    }
    auto ours = identity_of(guard.fd);
    if (!ours) co_return sys_error("cannot stat", *path);
    if (!still_at(*ours, *path)) continue;
    locked_ = *ours;
    fd_ = guard.release();
    id_ = id;
    path_ = *path;
    co_return ok_status();
  }
  co_return fail(ErrorCode::io, "session file kept disappearing: " + *path);
}

// Sets the mtime from the handler's clock, so that gc and expiry follow virtual time too.
Status FilesHandler::stamp(int fd) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = env_.clock->now_s();
  times[0].tv_nsec = times[1].tv_nsec = 0;
  if (::futimens(fd, times) != 0) return sys_error("cannot set mtime of", path_);
  return ok_status();
}

Task<Status> FilesHandler::write(std::string id, std::string data) {
  auto locked = co_await lock(id);
  if (!locked) co_return locked.error();
  co_await env_.points->point("files.write");
  // 8.2.36 truncates first, then writes at offset 0.
  if (::ftruncate(fd_, 0) != 0) co_return sys_error("cannot truncate", path_);
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) co_return sys_error("cannot write", path_);
    done += static_cast<std::size_t>(n);
  }
  created_empty_ = false;
  co_return stamp(fd_);
}

Task<Status> FilesHandler::update_timestamp(std::string id, std::string data) {
  auto path = session_file_path(dir_, id);
  if (!path) co_return bad_id(id);
  struct stat st {};
  if (::lstat(path->c_str(), &st) != 0 || (fd_ >= 0 && id == id_ && created_empty_)) {
    // PHP falls back to a full write when the touch fails.
    co_return co_await write(std::move(id), std::move(data));
  }
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = env_.clock->now_s();
  times[0].tv_nsec = times[1].tv_nsec = 0;
  if (::utimensat(AT_FDCWD, path->c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    co_return co_await write(std::move(id), std::move(data));
  }
  co_return ok_status();
}

Task<Status> FilesHandler::destroy(std::string id) {
  auto path = session_file_path(dir_, id);
  if (!path) co_return bad_id(id);
  if (fd_ >= 0 && id == id_) {
    ::close(std::exchange(fd_, -1));
    created_empty_ = false;
  }
  if (::unlink(path->c_str()) != 0 && errno != ENOENT) co_return sys_error("cannot unlink", *path);
  co_return ok_status();
}

Task<Result<std::int64_t>> FilesHandler::gc(std::int64_t max_lifetime_s) {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) co_return sys_error("cannot list", dir_);
  const std::int64_t now = env_.clock->now_s();
  std::int64_t count = 0;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind("sess_", 0) != 0) continue;
    const std::string path = dir_ + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (now - st.st_mtime <= max_lifetime_s) continue;
    // Our own locked session is collected like any other (its next write re-creates it);
    // sessions other requests hold locked are left alone.
    const bool ours = fd_ >= 0 && path == path_;
    // The empty file our own read of an unknown id created is not a session: neither count nor
    // remove it (the reference store has no record for it).
    if (ours && created_empty_) continue;
    if (ours) {
      // Our own locked session: emptied, not unlinked, so that the lock keeps excluding other
      // requests; it is then "created by us, never written" and vanishes at close unless written.
      if (::ftruncate(fd_, 0) == 0) {
        created_empty_ = true;
        ++count;
      }
      continue;
    }
    if (unlink_unless_locked(path)) ++count;
  }
  ::closedir(d);
  co_return count;
}

Task<Result<std::string>> FilesHandler::create_sid() {
  // PHP's files handler: generate, then stat for a collision (3 tries).
  for (int tries = 0; tries < 3; ++tries) {
    std::string id = model::php_made_id(*rng_, 26, 5);
    struct stat st {};
    if (::lstat(session_file_path(dir_, id)->c_str(), &st) != 0) co_return id;
  }
  co_return fail(ErrorCode::conflict, "create_sid: 3 colliding ids in a row");
}

Task<Result<bool>> FilesHandler::validate_id(std::string id) {
  auto path = session_file_path(dir_, id);
  if (!path) co_return false;
  struct stat st {};
  if (::lstat(path->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) co_return false;
  // A file this request created by reading an unknown id is not a session yet.
  co_return !(fd_ >= 0 && id == id_ && created_empty_);
}

// Unlocks by closing. A file that only exists because we read an unknown id is removed, so that
// reading an unknown id creates nothing (PHP leaves an empty file; PHP itself always writes it).
void FilesHandler::release() {
  if (fd_ < 0) return;
  if (created_empty_) {
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_size == 0 && still_at(locked_, path_)) {
      ::unlink(path_.c_str());
    }
  }
  ::close(std::exchange(fd_, -1));
  created_empty_ = false;
}

}  // namespace

std::optional<std::string> session_file_path(const std::string& dir, const std::string& id) {
  if (!model::valid_session_id(id) || id.size() > files_id_bytes_max) return std::nullopt;
  return dir + "/sess_" + id;
}

Result<std::unique_ptr<FilesBackend>> FilesBackend::create(std::string dir, std::uint64_t seed,
                                                           Clock& clock) {
  if (dir.empty()) return fail(ErrorCode::io, "files: empty save path");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return sys_error("files: save path", dir);
  if (!S_ISDIR(st.st_mode))
    return fail(ErrorCode::io, "files: save path " + dir + " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return sys_error("files: save path not writable:", dir);
  return std::unique_ptr<FilesBackend>(new FilesBackend(std::move(dir), seed, clock));
}

Guarantees FilesBackend::guarantees() const {
  Guarantees g;
  g.concurrency = Concurrency::serialised;  // flock from read to close
  g.store.expiry = model::Expiry::gc_only;
  g.store.id_bytes_max = files_id_bytes_max;
  // The flock goes with the descriptor when a process dies. A write truncates, then writes (as
  // PHP's files module does), so a write that fails half-way leaves an empty or torn file.
  g.faults.recovery = Recovery::process_exit;
  g.faults.failed_write = FailedWrite::undefined;
  g.faults.local_disk = true;
  return g;
}

std::unique_ptr<SessionHandler> FilesBackend::connect(RequestEnv env) {
  return std::make_unique<FilesHandler>(dir_, rng_, env);
}

// ---- the registry's view ------------------------------------------------------------------

namespace {

/// `files:DIR` takes no parameters: anything after '?' is a mistake worth saying so.
Status check_files_uri(const HandlerUri& uri) {
  if (!uri.params.empty()) {
    return fail(ErrorCode::unsupported, "files: unknown parameter '" + uri.params.begin()->first +
                                            "' in '" + uri.text + "' (files:DIR takes none)");
  }
  return ok_status();
}

/// A fresh subdirectory of DIR. DIR itself must exist and be writable; it is never created.
Result<Isolation> isolate_files(const HandlerUri& uri, const IsolationOptions& options) {
  ManualClock clock(0);
  auto base = FilesBackend::create(uri.target, 0, clock);
  if (!base) return base.error();
  auto dir = make_scratch_dir(base.value()->dir(), options.label, uri.text);
  if (!dir) return dir.error();
  Isolation out;
  out.uri = uri;
  out.uri.target = dir.value();
  out.scratch_dir = dir.value();
  out.data_dir = dir.value();
  return out;
}

}  // namespace

BackendKind files_kind() {
  BackendKind kind;
  kind.scheme = "files";
  kind.check = check_files_uri;
  kind.make = [](const HandlerUri& uri, std::uint64_t seed,
                 Clock& clock) -> Result<std::unique_ptr<Backend>> {
    auto made = FilesBackend::create(uri.target, seed, clock);
    if (!made) return made.error();
    return std::unique_ptr<Backend>(std::move(made.value()));
  };
  kind.isolate = isolate_files;
  return kind;
}

}  // namespace ss::handlers
