#include "handlers/files_handler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "base/fd_guard.hpp"
#include "handlers/factories.hpp"
#include "model/engine.hpp"

namespace ss::handlers {

using base::FdGuard;

namespace {

/// Re-opening because the locked file was replaced or unlinked under us happens once per write
/// or removal by another request while we wait (the time is bounded by IoPoints::blocked);
/// this bounds the count too.
constexpr int reopen_attempts_max = 64;
/// Files read in chunks of this size.
constexpr std::size_t read_chunk_bytes = 64 * 1024;
/// Temporary files are written, locked, then renamed over sess_<id>. The leading dot keeps them
/// out of PHP's gc (it only looks at sess_*) and out of the conformance suite's listing.
constexpr std::string_view files_temp_prefix = ".tmp-sess-";

HandlerError sys_error(const std::string& what, const std::string& path) {
  return fail(ErrorCode::io, what + " " + path + ": " + std::strerror(errno));
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

/// Why a file found under a session's name is not used as a session, or nullopt when it may be:
/// only a regular file with one link (a hard link could expose or overwrite a file outside the
/// store), owned by us or by root (PHP's files module refuses other owners too, "Session data
/// file is not created by your uid", though it skips the check when running as root).
std::optional<std::string> refusal(const struct stat& st) {
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (st.st_nlink != 1) return "has " + std::to_string(st.st_nlink) + " hard links";
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    return "belongs to uid " + std::to_string(st.st_uid) + ", not to this process or root";
  }
  return std::nullopt;
}

/// Unlike PHP's files gc, never delete a session a request holds locked: that request is about
/// to write it back (P-43, CodeIgniter#5884). The lock is taken on what `path` named when we
/// opened it; a writer may have renamed a new file over it meanwhile, so the file is removed
/// only if `path` still names it and it is still older than `cutoff_s`.
bool unlink_unless_locked(const std::string& path, std::int64_t cutoff_s) {
  FdGuard g{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  if (g.fd < 0 || ::flock(g.fd, LOCK_EX | LOCK_NB) != 0) return false;
  struct stat st {};
  auto ours = identity_of(g.fd);
  if (!ours || ::fstat(g.fd, &st) != 0 || st.st_mtime >= cutoff_s) return false;
  return still_at(*ours, path) && ::unlink(path.c_str()) == 0;
}

/// A temporary file left by a writer that died before its rename. Live writers hold a lock on
/// theirs, so only unlocked ones are removed.
void remove_if_abandoned(const std::string& path) {
  FdGuard g{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  if (g.fd >= 0 && ::flock(g.fd, LOCK_EX | LOCK_NB) == 0) ::unlink(path.c_str());
}

// A short read of a regular file is its end (Linux does not interrupt regular-file reads part
// way), so a session smaller than one chunk costs one pread, not a second one that returns 0.
// At most `limit` bytes are kept: a larger file (or one that grows while we read) is refused
// with its size, so a huge or sparse file costs no memory (issue #14, D3).
Result<std::string> read_all(int fd, const std::string& path, std::size_t limit) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return sys_error("cannot stat", path);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > limit) return payload_too_large("files " + path, size, limit);
  std::string data;
  data.reserve(static_cast<std::size_t>(size));
  char buf[read_chunk_bytes];
  off_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read", path);
    }
    if (data.size() + static_cast<std::size_t>(n) > limit) {
      return payload_too_large("files " + path, data.size() + static_cast<std::size_t>(n), limit);
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
    co_return read_all(fd_, path_, files_payload_bytes_max);
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
  Status replace_file(std::string_view data);
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

// Opens (creating if absent) without following symlinks, and only a file refusal() accepts;
// remembers whether we created it. The usual case, a session that exists, costs one open; only
// a missing file is created, with O_EXCL so that we know it was us. Another request can create
// or remove the file in between, so the two attempts alternate, a bounded number of times.
// O_NONBLOCK: a FIFO planted under the session's name must not hang the open.
Result<int> FilesHandler::open_file(const std::string& path) {
  constexpr int flags = O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
  for (int attempt = 0; attempt < reopen_attempts_max; ++attempt) {
    FdGuard fd{::open(path.c_str(), flags)};
    if (fd.fd >= 0) {
      struct stat st {};
      if (::fstat(fd.fd, &st) != 0) return sys_error("cannot stat", path);
      if (auto why = refusal(st)) return fail(ErrorCode::io, "session file " + path + " " + *why);
      created_empty_ = false;
      return fd.release();
    }
    if (errno != ENOENT) return sys_error("cannot open", path);
    fd.fd = ::open(path.c_str(), O_CREAT | O_EXCL | flags, 0600);
    if (fd.fd >= 0) {
      created_empty_ = true;
      return fd.release();
    }
    if (errno != EEXIST) return sys_error("cannot create", path);
  }
  return fail(ErrorCode::io, "session file kept appearing and disappearing: " + path);
}

// PHP's order: open, then a blocking exclusive flock. Blocking is a scheduling point here, and a
// file replaced (a write by the holder renames a new file into place) or unlinked while we
// waited is opened again. The wait budget (IoPoints::blocked's attempt count) spans reopenings.
Task<Status> FilesHandler::lock(const std::string& id) {
  // gc may have removed our locked file: never read or write the unlinked inode.
  if (fd_ >= 0 && id == id_ && still_at(locked_, path_)) co_return ok_status();
  release();
  auto path = session_file_path(dir_, id);
  if (!path) co_return bad_id(id);
  int attempt = 0;
  for (int reopen = 0; reopen < reopen_attempts_max; ++reopen) {
    auto opened = open_file(*path);
    if (!opened) co_return opened.error();
    FdGuard guard{opened.value()};
    for (; ::flock(guard.fd, LOCK_EX | LOCK_NB) != 0; ++attempt) {
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
  co_return fail(ErrorCode::io, "session file kept being replaced or removed: " + *path);
}

// Sets the mtime from the handler's clock, so that gc and expiry follow virtual time too.
Status FilesHandler::stamp(int fd) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = env_.clock->now_s();
  times[0].tv_nsec = times[1].tv_nsec = 0;
  if (::futimens(fd, times) != 0) return sys_error("cannot set mtime of", path_);
  return ok_status();
}

// The session file is never changed in place: `data` goes to a temporary file in the same
// directory, which we lock before anyone can see it, and is renamed over sess_<id>. A writer
// killed at any point leaves the old bytes or the new ones, never an empty or torn file (PHP
// truncates, then writes: issue #14, D4). The lock moves with the name: from the rename on,
// sess_<id> is the new file, which we hold; closing the old one wakes the requests that
// waited on it, and lock() sends them to the new one. (PHP processes waiting on the old file
// do not look again: docs/handlers.md, "files:DIR".)
Status FilesHandler::replace_file(std::string_view data) {
  std::string temp = dir_ + "/" + std::string(files_temp_prefix) + "XXXXXX";
  FdGuard t{::mkostemp(temp.data(), O_CLOEXEC)};
  if (t.fd < 0) return sys_error("cannot create a temporary file in", dir_);
  auto failed = [&](const std::string& what, const std::string& path) {
    HandlerError e = sys_error(what, path);
    ::unlink(temp.c_str());
    return Status(std::move(e));
  };
  if (::flock(t.fd, LOCK_EX | LOCK_NB) != 0) return failed("cannot lock", temp);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(t.fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed("cannot write", temp);
    done += static_cast<std::size_t>(n);
  }
  if (Status st = stamp(t.fd); !st) return failed("cannot set mtime of", temp);
  auto identity = identity_of(t.fd);
  if (!identity) return failed("cannot stat", temp);
  if (::rename(temp.c_str(), path_.c_str()) != 0) return failed("cannot rename over", path_);
  ::close(std::exchange(fd_, t.release()));
  locked_ = *identity;
  created_empty_ = false;
  return ok_status();
}

Task<Status> FilesHandler::write(std::string id, std::string data) {
  if (data.size() > files_payload_bytes_max) {
    co_return payload_too_large("files " + dir_, data.size(), files_payload_bytes_max);
  }
  auto locked = co_await lock(id);
  if (!locked) co_return locked.error();
  co_await env_.points->point("files.write");
  co_return replace_file(data);
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
  const std::int64_t cutoff_s = gc_cutoff_s(now, max_lifetime_s);
  std::int64_t count = 0;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.starts_with(files_temp_prefix)) remove_if_abandoned(dir_ + "/" + name);
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
    if (unlink_unless_locked(path, cutoff_s)) ++count;
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
  if (::lstat(path->c_str(), &st) != 0 || refusal(st)) co_return false;
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

namespace {

// Beyond PHP, which checks only each session file's owner: the directory must belong to us or
// to root, and a directory anyone may write to must be sticky (like /tmp), or others could
// rename our files away and put theirs in place (issue #14, D19).
Status check_save_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return sys_error("files: save path", dir);
  if (!S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::io, "files: save path " + dir + " is not a directory");
  }
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    return fail(ErrorCode::io, "files: save path " + dir + " belongs to uid " +
                                   std::to_string(st.st_uid) + ", not to this process or root");
  }
  if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return fail(ErrorCode::io, "files: save path " + dir +
                                   " is writable by every user and not sticky (chmod o-w or +t)");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return sys_error("files: save path not writable:", dir);
  }
  return ok_status();
}

}  // namespace

Result<std::unique_ptr<FilesBackend>> FilesBackend::create(std::string dir, std::uint64_t seed,
                                                           Clock& clock) {
  if (dir.empty()) return fail(ErrorCode::io, "files: empty save path");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (Status ok = check_save_dir(dir); !ok) return ok.error();
  return std::unique_ptr<FilesBackend>(new FilesBackend(std::move(dir), seed, clock));
}

Guarantees FilesBackend::guarantees() const {
  Guarantees g;
  g.payload_bytes_max = files_payload_bytes_max;
  g.store.payload_bytes_max = files_payload_bytes_max;
  g.concurrency = Concurrency::serialised;  // flock from read to close
  g.store.expiry = model::Expiry::gc_only;
  g.store.id_bytes_max = files_id_bytes_max;
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
