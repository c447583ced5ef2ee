#include "handlers/testing/mutants.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "handlers/registry.hpp"
#include "model/engine.hpp"

namespace ss::handlers {
namespace {

// Each mutant is one realistic bug, written as a small override. Locals are named before every
// co_await: g++ 12 mishandles non-trivial temporaries inside co_await expressions.

/// What a mutant may reach beyond its inner handler: the base backend (to open extra
/// connections) and state shared by all requests of one backend, as a process-wide cache or a
/// pooled connection would be.
struct MutantShared {
  Backend* base = nullptr;
  std::map<std::string, std::string> read_cache;
  std::vector<std::unique_ptr<SessionHandler>> leaked;
  /// Every id written through the backend, in order: what a `LIKE 'id%'` scan of the id
  /// column would find (ids destroyed since, or collected by gc, may still be listed).
  std::set<std::string> written_ids;
  /// uniqid-style ids: the process part (fixed for the backend's life) and the counter that
  /// stands in for uniqid's microseconds (which it waits to see change, so never repeat).
  std::string process_tag;
  std::uint64_t sid_counter = 0;
  /// gc of locked sessions: when each session was last written or touched (the file's mtime),
  /// which request holds which session, and the sessions gc unlinked under their holder.
  std::map<std::string, std::int64_t> stamped_s;
  std::map<std::string, std::uint64_t> holders;
  std::set<std::pair<std::uint64_t, std::string>> unlinked;
  std::uint64_t requests = 0;
};

class DestroyNoop final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> destroy(std::string) override { co_return ok_status(); }
};

class ValidateAlwaysTrue final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<bool>> validate_id(std::string) override { co_return true; }
};

class GcDeletesFresh final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::int64_t>> gc(std::int64_t) override { co_return co_await inner().gc(-1); }
};

class GcNeverDeletes final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::int64_t>> gc(std::int64_t) override { co_return std::int64_t{0}; }
};

/// Symfony's StrictSessionHandler bug class: the touch rewrites the data read at start.
class TouchRewritesStale final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    auto r = co_await inner().read(id);
    if (r) first_read_ = r.value();
    co_return r;
  }
  Task<Status> update_timestamp(std::string id, std::string) override {
    co_return co_await inner().write(id, first_read_);
  }

 private:
  std::string first_read_;
};

class EmptyWriteNotStored final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    if (data.empty()) co_return ok_status();
    co_return co_await inner().write(id, data);
  }
};

class TruncateAtNul final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    std::string cut = data.substr(0, data.find('\0'));
    co_return co_await inner().write(id, cut);
  }
};

/// "Deleting" by blanking the record: it still exists (validateId true, gc counts it).
class DestroyBlanks final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> destroy(std::string id) override {
    std::string empty;
    co_return co_await inner().write(id, empty);
  }
};

/// Its own "lazy write": data equal to what it read is not written, so the age is not refreshed
/// (and a new, empty session is never stored).
class WriteSkipsUnchanged final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    auto r = co_await inner().read(id);
    if (r) seen_ = std::make_pair(id, r.value());
    co_return r;
  }
  Task<Status> write(std::string id, std::string data) override {
    if (seen_ && seen_->first == id && seen_->second == data) co_return ok_status();
    auto s = co_await inner().write(id, data);
    if (s) seen_ = std::make_pair(id, data);
    co_return s;
  }

 private:
  std::optional<std::pair<std::string, std::string>> seen_;
};

/// A process-wide read cache that write() and destroy() never invalidate.
class StaleReadCache final : public ForwardingHandler {
 public:
  StaleReadCache(std::unique_ptr<SessionHandler> inner, MutantShared& shared, RequestEnv)
      : ForwardingHandler(std::move(inner)), shared_(shared) {}
  Task<Result<std::string>> read(std::string id) override {
    if (auto it = shared_.read_cache.find(id); it != shared_.read_cache.end()) {
      co_return it->second;
    }
    auto r = co_await inner().read(id);
    if (r) shared_.read_cache[id] = r.value();
    co_return r;
  }

 private:
  MutantShared& shared_;
};

/// Ids from a counter that every request (every handler instance) restarts: the second visitor
/// gets the first visitor's id.
class CreateSidCounter final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> create_sid() override {
    std::string id = "sid" + std::to_string(++counter_);
    co_return id;
  }

 private:
  int counter_ = 0;
};

class TouchNoop final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> update_timestamp(std::string, std::string) override { co_return ok_status(); }
};

/// A case-insensitive collation on the id column: 'ABC123' is 'abc123'.
class IdCaseFolded final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    std::string key = f(id);
    co_return co_await inner().read(key);
  }
  Task<Status> write(std::string id, std::string d) override {
    std::string key = f(id);
    co_return co_await inner().write(key, d);
  }
  Task<Status> destroy(std::string id) override {
    std::string key = f(id);
    co_return co_await inner().destroy(key);
  }
  Task<Result<bool>> validate_id(std::string id) override {
    std::string key = f(id);
    co_return co_await inner().validate_id(key);
  }
  Task<Status> update_timestamp(std::string id, std::string d) override {
    std::string key = f(id);
    co_return co_await inner().update_timestamp(key, d);
  }

 private:
  static std::string f(std::string id) {
    for (char& c : id) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return id;
  }
};

/// No id validation: '../etc/passwd' is accepted. The bad id is stored under a harmless key (hex
/// inside the charset), so that even over `files` nothing escapes the store.
class IdUnchecked final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    std::string key = f(id);
    co_return co_await inner().read(key);
  }
  Task<Status> write(std::string id, std::string d) override {
    std::string key = f(id);
    co_return co_await inner().write(key, d);
  }
  Task<Status> destroy(std::string id) override {
    std::string key = f(id);
    co_return co_await inner().destroy(key);
  }
  Task<Result<bool>> validate_id(std::string id) override {
    std::string key = f(id);
    co_return co_await inner().validate_id(key);
  }
  Task<Status> update_timestamp(std::string id, std::string d) override {
    std::string key = f(id);
    co_return co_await inner().update_timestamp(key, d);
  }

 private:
  static std::string f(const std::string& id) {
    if (model::valid_session_id(id)) return id;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "x";
    for (unsigned char c : id.substr(0, 120)) {
      out += hex[c >> 4];
      out += hex[c & 15];
    }
    return out;
  }
};

/// A VARCHAR(128) column in non-strict SQL mode: longer sessions are silently cut.
class PayloadTruncated final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    if (data.size() > 128) data.resize(128);
    co_return co_await inner().write(id, data);
  }
};

/// Reading an unknown id inserts an empty row (P-26): the id then "exists".
class UnknownReadCreates final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    auto r = co_await inner().read(id);
    if (r && r.value().empty()) {
      auto exists = co_await inner().validate_id(id);
      std::string empty;
      if (exists && !exists.value()) (void)co_await inner().write(id, empty);
    }
    co_return r;
  }
};

class ValidateAlwaysFalse final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<bool>> validate_id(std::string) override { co_return false; }
};

/// Raw base64 ids: '+' and '/' are outside PHP's id charset.
class CreateSidBase64 final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> create_sid() override {
    auto r = co_await inner().create_sid();
    if (r) r.value().replace(0, 2, "+/");
    co_return r;
  }
};

/// gc() returns true (1) instead of the count, as PHP 7.0-era handlers did.
class GcReturnsOne final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::int64_t>> gc(std::int64_t max_s) override {
    (void)co_await inner().gc(max_s);
    co_return std::int64_t{1};
  }
};

/// A DELETE that lost its WHERE clause: destroy() removes every session.
class DestroyAll final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> destroy(std::string id) override {
    auto s = co_await inner().destroy(id);
    if (s) (void)co_await inner().gc(std::numeric_limits<std::int64_t>::min());
    co_return s;
  }
};

/// close() does not release the lock: the connection (and its lock) stays in a pool.
class LockLeakOnClose final : public ForwardingHandler {
 public:
  LockLeakOnClose(std::unique_ptr<SessionHandler> inner, MutantShared& shared, RequestEnv env)
      : ForwardingHandler(std::move(inner)), shared_(shared), env_(env) {}
  Task<Status> close() override {
    shared_.leaked.push_back(swap_inner(shared_.base->connect(env_)));
    co_return ok_status();
  }

 private:
  MutantShared& shared_;
  RequestEnv env_;
};

/// Reads through a short-lived connection that unlocks right away ("so other tabs are not
/// blocked"): the request no longer holds the lock it read under.
class LockReleasedAfterRead final : public ForwardingHandler {
 public:
  LockReleasedAfterRead(std::unique_ptr<SessionHandler> inner, MutantShared& shared, RequestEnv env)
      : ForwardingHandler(std::move(inner)), shared_(shared), env_(env) {}
  Task<Status> open(std::string path, std::string name) override {
    path_ = path;
    name_ = name;
    co_return co_await inner().open(path, name);
  }
  Task<Result<std::string>> read(std::string id) override {
    auto side = shared_.base->connect(env_);
    (void)co_await side->open(path_, name_);
    auto r = co_await side->read(id);
    (void)co_await side->close();
    co_return r;
  }

 private:
  MutantShared& shared_;
  RequestEnv env_;
  std::string path_;
  std::string name_;
};

/// write() ignores its id and writes under the id the handler read (stale-id bugs such as
/// phpredis#1312 and RedisSessionHandler#11).
class WriteToReadId final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    auto r = co_await inner().read(id);
    if (r) read_id_ = id;
    co_return r;
  }
  Task<Status> write(std::string id, std::string data) override {
    std::string target = read_id_.empty() ? id : read_id_;
    co_return co_await inner().write(target, data);
  }

 private:
  std::string read_id_;
};

/// Writes are buffered and flushed by close(); an engine that never calls close() (ZealPHP)
/// loses them.
class WriteBufferedUntilClose final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    pending_[id] = data;
    co_return ok_status();
  }
  Task<Status> destroy(std::string id) override {
    pending_.erase(id);
    co_return co_await inner().destroy(id);
  }
  Task<Status> close() override {
    auto pending = std::exchange(pending_, {});
    for (auto& [id, data] : pending) (void)co_await inner().write(id, data);
    co_return co_await inner().close();
  }

 private:
  std::map<std::string, std::string> pending_;
};

/// A latin1 column: every byte above 0x7f becomes '?'.
class Latin1Column final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    for (char& c : data) c = static_cast<unsigned char>(c) > 0x7f ? '?' : c;
    co_return co_await inner().write(id, data);
  }
};

/// Saves the session it read once more at close(), resurrecting one destroyed since: the old id
/// of regenerate(true), or a logged-out session.
class CloseResurrects final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    auto r = co_await inner().read(id);
    if (r) held_ = std::make_pair(id, r.value());
    co_return r;
  }
  Task<Status> write(std::string id, std::string data) override {
    auto s = co_await inner().write(id, data);
    if (s && held_ && held_->first == id) held_->second = data;
    co_return s;
  }
  Task<Status> close() override {
    if (held_) {
      auto session = std::move(*held_);
      held_.reset();
      (void)co_await inner().write(session.first, session.second);
    }
    co_return co_await inner().close();
  }

 private:
  std::optional<std::pair<std::string, std::string>> held_;
};

/// `>=` where `>` belongs: a session exactly max_lifetime old is collected.
class GcOffByOne final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::int64_t>> gc(std::int64_t max_s) override {
    co_return co_await inner().gc(max_s - 1);
  }
};

/// gc() uses the default lifetime (1440 s) instead of its argument.
class GcFixedLifetime final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::int64_t>> gc(std::int64_t) override { co_return co_await inner().gc(1440); }
};

using Wrap = std::function<std::unique_ptr<SessionHandler>(std::unique_ptr<SessionHandler>,
                                                           MutantShared&, RequestEnv)>;

/// CodeIgniter4 #8567: when the lock (or the read) fails, read() answers '' instead of false, so
/// PHP starts an empty session and writes it back over the user's data at the end.
class ReadEmptyOnFailure final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    Result<std::string> r = co_await inner().read(id);
    if (!r) co_return std::string();
    co_return r;
  }
};

/// phpredis #1908: a write that fails (the lock was lost, the connection broke) still reports
/// success, so nobody learns that the session was not saved.
class WriteFailureSwallowed final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    Status s = co_await inner().write(id, data);
    (void)s;
    co_return ok_status();
  }
};

/// A dead process's lock is never given back: crash() keeps the connection (and the lock it
/// holds) alive instead of letting it go as the operating system would.
class LockKeptOnCrash final : public ForwardingHandler {
 public:
  LockKeptOnCrash(std::unique_ptr<SessionHandler> inner, MutantShared& shared, RequestEnv env)
      : ForwardingHandler(std::move(inner)), shared_(shared), env_(env) {}
  void crash() override { shared_.leaked.push_back(swap_inner(shared_.base->connect(env_))); }

 private:
  MutantShared& shared_;
  RequestEnv env_;
};

/// A MySQL `TEXT` column outside strict mode: a session larger than 65,535 bytes is silently cut
/// (where payload-truncated's VARCHAR(128) cuts every session of some size, this one cuts only
/// large ones, which only values across the 64 KiB boundary find).
class TextColumn64k final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    constexpr std::size_t text_column_bytes_max = 65'535;
    if (data.size() > text_column_bytes_max) data.resize(text_column_bytes_max);
    co_return co_await inner().write(id, data);
  }
};

/// The base of the prefix mutants: keeps MutantShared::written_ids, which stand for what a
/// `LIKE 'id%'` scan of the store's id column finds, and reads other sessions through a
/// connection of its own (a second query), so that the request's own lock is not moved.
class IdPrefixScan : public ForwardingHandler {
 public:
  IdPrefixScan(std::unique_ptr<SessionHandler> inner, MutantShared& shared, RequestEnv env)
      : ForwardingHandler(std::move(inner)), shared_(shared), env_(env) {}
  Task<Status> open(std::string path, std::string name) override {
    path_ = path;
    name_ = name;
    co_return co_await inner().open(path, name);
  }
  Task<Status> write(std::string id, std::string data) override {
    Status s = co_await inner().write(id, data);
    if (s) shared_.written_ids.insert(id);
    co_return s;
  }
  Task<Status> update_timestamp(std::string id, std::string data) override {
    Status s = co_await inner().update_timestamp(id, data);
    if (s) shared_.written_ids.insert(id);
    co_return s;
  }

 protected:
  /// The listed ids that start with `id` and are longer, in order.
  [[nodiscard]] std::vector<std::string> longer_matches(const std::string& id) const {
    std::vector<std::string> out;
    for (auto it = shared_.written_ids.upper_bound(id);
         it != shared_.written_ids.end() && it->starts_with(id); ++it) {
      out.push_back(*it);
    }
    return out;
  }
  /// Session `id` as another connection reads it; nullopt when that fails (a lock held).
  Task<std::optional<std::string>> read_elsewhere(std::string id) {
    auto side = shared_.base->connect(env_);
    std::string path = path_;
    std::string name = name_;
    (void)co_await side->open(path, name);
    Result<std::string> r = co_await side->read(id);
    (void)co_await side->close();
    if (!r) co_return std::nullopt;
    co_return r.value();
  }
  MutantShared& shared_;

 private:
  RequestEnv env_;
  std::string path_;
  std::string name_;
};

/// `SELECT data ... WHERE id LIKE 'id%'` (or a glob on `sess_<id>*`): when `id` itself is not
/// stored, read() answers the first stored session whose id starts with it.
class ReadPrefixMatch final : public IdPrefixScan {
 public:
  using IdPrefixScan::IdPrefixScan;
  Task<Result<std::string>> read(std::string id) override {
    Result<std::string> r = co_await inner().read(id);
    if (!r || !r.value().empty()) co_return r;
    Result<bool> stored = co_await inner().validate_id(id);
    if (!stored || stored.value()) co_return r;
    const std::vector<std::string> matches = longer_matches(id);
    for (const std::string& other : matches) {
      std::string match = other;
      std::optional<std::string> data = co_await read_elsewhere(match);
      if (data && !data->empty()) co_return *data;
    }
    co_return r;
  }
};

/// `DELETE FROM sessions WHERE id LIKE 'id%'`: destroy() also deletes every session whose id
/// starts with the id (a logout of 'abc12' logs 'abc123' out).
class DestroyPrefixMatch final : public IdPrefixScan {
 public:
  using IdPrefixScan::IdPrefixScan;
  Task<Status> destroy(std::string id) override {
    Status s = co_await inner().destroy(id);
    if (!s) co_return s;
    shared_.written_ids.erase(id);
    const std::vector<std::string> matches = longer_matches(id);
    for (const std::string& other : matches) {
      std::string victim = other;
      (void)co_await inner().destroy(victim);
      shared_.written_ids.erase(other);
    }
    co_return s;
  }
};

/// uniqid()-style ids, padded to the length of the base's ids: a process part (a pid: the first
/// four characters of one id the base made), the clock in hexadecimal and a counter that
/// stands for uniqid's microseconds. Well-formed (hexadecimal is inside every id charset), of
/// the right length and never repeated, but with a few bits of entropy where PHP's ids have
/// 130: whoever sees one id guesses the next.
class CreateSidUniqid final : public ForwardingHandler {
 public:
  CreateSidUniqid(std::unique_ptr<SessionHandler> inner, MutantShared& shared, RequestEnv env)
      : ForwardingHandler(std::move(inner)), shared_(shared), env_(env) {}
  Task<Result<std::string>> create_sid() override {
    if (shared_.process_tag.empty()) {
      Result<std::string> first = co_await inner().create_sid();
      if (!first) co_return first;
      shared_.process_tag = first.value();
    }
    constexpr std::size_t tag_chars = 4;
    constexpr int clock_chars = 8;
    const std::string& tag = shared_.process_tag;
    const int counter_chars =
        std::max(4, static_cast<int>(tag.size()) - static_cast<int>(tag_chars) - clock_chars);
    const auto now_s = static_cast<unsigned long long>(env_.clock ? env_.clock->now_s() : 0);
    char text[64];
    std::snprintf(text, sizeof text, "%0*llx%0*llx", clock_chars, now_s & 0xffffffffULL,
                  counter_chars, static_cast<unsigned long long>(++shared_.sid_counter));
    co_return tag.substr(0, tag_chars) + text;
  }

 private:
  MutantShared& shared_;
  RequestEnv env_;
};

/// Symfony's PdoSessionHandler without a lock (docs/certified-handlers.md, cause U): the touch
/// is `UPDATE ... WHERE id = ?`, which matches no row once another request destroyed the session
/// this request read, and answers true all the same. The session is lost silently.
class TouchTrueWhenMissing final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    Result<std::string> r = co_await inner().read(id);
    if (r && !r.value().empty()) read_stored_ = id;
    co_return r;
  }
  Task<Status> update_timestamp(std::string id, std::string data) override {
    if (id == read_stored_) {
      Result<bool> stored = co_await inner().validate_id(id);
      if (stored && !stored.value()) co_return ok_status();
    }
    co_return co_await inner().update_timestamp(id, data);
  }

 private:
  /// The id whose read found data.
  std::string read_stored_;
};

/// PHP's files module's gc (P-43): an expired session is unlinked even while another request
/// holds its lock and has read it. The holder keeps writing through its descriptor into the
/// unlinked file, so its write answers true and is lost. The decorator keeps what the file
/// system would (when each session was written, who holds which) and drops the holder's
/// writes to the session gc removed under it.
class GcDeletesLocked final : public ForwardingHandler {
 public:
  GcDeletesLocked(std::unique_ptr<SessionHandler> inner, MutantShared& shared, RequestEnv env)
      : ForwardingHandler(std::move(inner)),
        shared_(shared),
        env_(env),
        request_(++shared.requests) {}
  ~GcDeletesLocked() override { release(); }
  Task<Status> close() override {
    release();
    co_return co_await inner().close();
  }
  Task<Result<std::string>> read(std::string id) override {
    Result<std::string> r = co_await inner().read(id);
    if (r) shared_.holders[id] = request_;
    co_return r;
  }
  Task<Status> write(std::string id, std::string data) override {
    if (shared_.unlinked.contains({request_, id})) co_return ok_status();
    Status s = co_await inner().write(id, data);
    if (s) stamp(id);
    co_return s;
  }
  Task<Status> update_timestamp(std::string id, std::string data) override {
    if (shared_.unlinked.contains({request_, id})) co_return ok_status();
    Status s = co_await inner().update_timestamp(id, data);
    if (s) stamp(id);
    co_return s;
  }
  Task<Result<std::int64_t>> gc(std::int64_t max_s) override;

 private:
  void stamp(const std::string& id) {
    shared_.stamped_s[id] = env_.clock ? env_.clock->now_s() : 0;
  }
  void release();

  MutantShared& shared_;
  RequestEnv env_;
  /// Tells this request's locks from other requests'.
  std::uint64_t request_;
};

void GcDeletesLocked::release() {
  std::erase_if(shared_.holders, [this](const auto& h) { return h.second == request_; });
  std::erase_if(shared_.unlinked, [this](const auto& u) { return u.first == request_; });
}

// The base collects what nobody holds; then the sessions other requests hold go too, as the
// files module's unlink() of a locked file does.
Task<Result<std::int64_t>> GcDeletesLocked::gc(std::int64_t max_s) {
  Result<std::int64_t> collected = co_await inner().gc(max_s);
  if (!collected) co_return collected;
  const std::int64_t now_s = env_.clock ? env_.clock->now_s() : 0;
  std::vector<std::pair<std::string, std::uint64_t>> held;
  for (const auto& [id, holder] : shared_.holders) {
    const auto stamped = shared_.stamped_s.find(id);
    if (holder == request_ || stamped == shared_.stamped_s.end()) continue;
    if (now_s - stamped->second > max_s) held.emplace_back(id, holder);
  }
  std::int64_t count = collected.value();
  for (const auto& [id, holder] : held) {
    std::string victim = id;
    Status gone = co_await inner().destroy(victim);
    if (!gone) continue;
    shared_.stamped_s.erase(id);
    shared_.unlinked.insert({holder, id});
    ++count;
  }
  co_return count;
}

template <class M>
Wrap wrap() {
  return [](std::unique_ptr<SessionHandler> h, MutantShared& shared, RequestEnv env) {
    if constexpr (std::is_constructible_v<M, std::unique_ptr<SessionHandler>, MutantShared&,
                                          RequestEnv>) {
      return std::unique_ptr<SessionHandler>(std::make_unique<M>(std::move(h), shared, env));
    } else {
      (void)shared;
      (void)env;
      return std::unique_ptr<SessionHandler>(std::make_unique<M>(std::move(h)));
    }
  };
}

struct Entry {
  MutantInfo info;
  Wrap wrap;
};

constexpr auto locks = MutantApplies::serialised;
constexpr auto overlaps = MutantApplies::last_writer_wins;
constexpr auto collected = MutantApplies::gc_collected;
constexpr auto faulty = MutantApplies::under_faults;

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {{"read-empty-on-failure", "read() answers '' when it fails (CodeIgniter4 #8567)", faulty},
       wrap<ReadEmptyOnFailure>()},
      {{"write-failure-swallowed", "write() reports success when it failed (phpredis #1908)",
        faulty},
       wrap<WriteFailureSwallowed>()},
      {{"lock-kept-on-crash", "a crashed request's lock is never given back", faulty},
       wrap<LockKeptOnCrash>()},
      {{"destroy-noop", "destroy() reports success but deletes nothing"}, wrap<DestroyNoop>()},
      {{"validate-always-true", "validateId() says every id exists"}, wrap<ValidateAlwaysTrue>()},
      {{"gc-deletes-fresh", "gc() deletes sessions that have not expired", collected},
       wrap<GcDeletesFresh>()},
      {{"gc-never-deletes", "gc() deletes nothing and returns 0", collected},
       wrap<GcNeverDeletes>()},
      {{"touch-rewrites-stale", "updateTimestamp() writes back the data read at start", overlaps},
       wrap<TouchRewritesStale>()},
      {{"empty-write-dropped", "write() of an empty session is skipped"},
       wrap<EmptyWriteNotStored>()},
      {{"truncate-at-nul", "data is cut at the first NUL byte"}, wrap<TruncateAtNul>()},
      {{"destroy-blanks", "destroy() blanks the record instead of deleting it"},
       wrap<DestroyBlanks>()},
      {{"write-skips-unchanged",
        "write() skips data equal to what it read, so the age is not refreshed"},
       wrap<WriteSkipsUnchanged>()},
      {{"stale-read-cache", "read() answers from a shared cache that writes never invalidate"},
       wrap<StaleReadCache>()},
      {{"create-sid-reused", "create_sid() counts from 1 per request: ids already in use"},
       wrap<CreateSidCounter>()},
      {{"touch-noop", "updateTimestamp() does nothing, so expiry is not extended"},
       wrap<TouchNoop>()},
      {{"id-case-folded", "ids compared case-insensitively ('ABC123' is 'abc123')"},
       wrap<IdCaseFolded>()},
      {{"id-unchecked", "malformed ids ('../etc/passwd') accepted (stored under a safe key)",
        MutantApplies::refuses_odd_ids},
       wrap<IdUnchecked>()},
      {{"payload-truncated", "write() silently cuts data to 128 bytes"}, wrap<PayloadTruncated>()},
      {{"unknown-read-creates", "read() of an unknown id creates an empty record"},
       wrap<UnknownReadCreates>()},
      {{"validate-always-false", "validateId() says no id exists"}, wrap<ValidateAlwaysFalse>()},
      {{"create-sid-malformed", "create_sid() returns base64 ids with '+' and '/'"},
       wrap<CreateSidBase64>()},
      {{"gc-returns-one", "gc() returns 1 (true) instead of the number deleted"},
       wrap<GcReturnsOne>()},
      {{"destroy-all", "destroy() deletes every session (a DELETE without WHERE)", collected},
       wrap<DestroyAll>()},
      {{"lock-leak-on-close", "close() keeps the session locked (pooled connection)", locks},
       wrap<LockLeakOnClose>()},
      {{"lock-released-after-read", "read() unlocks right away: no lock while active", locks},
       wrap<LockReleasedAfterRead>()},
      {{"write-to-read-id", "write() ignores its id and writes under the id it read"},
       wrap<WriteToReadId>()},
      {{"write-buffered-until-close", "writes wait for close(), which ZealPHP never calls"},
       wrap<WriteBufferedUntilClose>()},
      {{"latin1-column", "bytes above 0x7f are stored as '?'"}, wrap<Latin1Column>()},
      {{"close-resurrects", "close() saves the session it read again, undoing a destroy"},
       wrap<CloseResurrects>()},
      {{"gc-off-by-one", "gc() also deletes sessions exactly max_lifetime old", collected},
       wrap<GcOffByOne>()},
      {{"gc-fixed-lifetime", "gc() ignores its argument and uses 1440 s", collected},
       wrap<GcFixedLifetime>()},
      {{"text-column-64k", "write() silently cuts data to 65,535 bytes (a MySQL TEXT column)"},
       wrap<TextColumn64k>()},
      {{"read-prefix-match",
        "read() of an unknown id answers a session whose id starts with it (LIKE 'id%')"},
       wrap<ReadPrefixMatch>()},
      {{"destroy-prefix-match", "destroy() also deletes every session whose id starts with it"},
       wrap<DestroyPrefixMatch>()},
      {{"create-sid-low-entropy", "create_sid() makes uniqid-style ids: unique, little entropy"},
       wrap<CreateSidUniqid>()},
      {{"touch-true-when-missing",
        "updateTimestamp() answers true for a session destroyed since its read (Symfony Pdo)"},
       wrap<TouchTrueWhenMissing>()},
      {{"gc-deletes-locked", "gc() unlinks expired sessions others hold: their write is lost",
        locks},
       wrap<GcDeletesLocked>()},
  };
  return all;
}

class MutantBackend final : public Backend {
 public:
  MutantBackend(const Entry& e, std::unique_ptr<Backend> base) : entry_(e), base_(std::move(base)) {
    shared_.base = base_.get();
  }
  // Leaked handlers go before the base they were connected to.
  ~MutantBackend() override { shared_.leaked.clear(); }
  std::string uri() const override { return "mutant:" + entry_.info.name + "+" + base_->uri(); }
  Guarantees guarantees() const override { return base_->guarantees(); }
  std::map<std::string, std::string> declared_by() const override { return base_->declared_by(); }
  model::Capabilities capabilities() const override { return base_->capabilities(); }
  std::unique_ptr<SessionHandler> connect(RequestEnv env) override {
    return entry_.wrap(base_->connect(env), shared_, env);
  }
  FaultControl* fault_control() override { return base_->fault_control(); }

 private:
  const Entry& entry_;
  std::unique_ptr<Backend> base_;
  MutantShared shared_;
};

}  // namespace

const std::vector<MutantInfo>& mutant_catalogue() {
  static const std::vector<MutantInfo> infos = [] {
    std::vector<MutantInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

bool mutant_applies(const MutantInfo& info, const Guarantees& g) {
  switch (info.applies) {
    case MutantApplies::any: return true;
    case MutantApplies::serialised: return g.concurrency == Concurrency::serialised;
    case MutantApplies::last_writer_wins: return g.concurrency == Concurrency::last_writer_wins;
    case MutantApplies::gc_collected: return g.store.expiry != model::Expiry::ttl;
    case MutantApplies::refuses_odd_ids: return g.store.ids == model::IdPolicy::files_charset;
    case MutantApplies::under_faults: return false;
  }
  return true;
}

Result<std::unique_ptr<Backend>> make_mutant(const std::string& name,
                                             std::unique_ptr<Backend> base) {
  for (const auto& e : entries()) {
    if (e.info.name == name) {
      return std::unique_ptr<Backend>(std::make_unique<MutantBackend>(e, std::move(base)));
    }
  }
  return fail(ErrorCode::unsupported,
              "unknown mutant '" + name + "' (see sessionspec mutants --list)");
}

void register_mutants() {
  DecoratorKind kind;
  kind.kind = "mutant";
  kind.check = [](const std::string& name) -> Status {
    for (const auto& e : entries()) {
      if (e.info.name == name) return ok_status();
    }
    return fail(ErrorCode::unsupported,
                "unknown mutant '" + name + "' (see sessionspec mutants --list)");
  };
  kind.wrap = make_mutant;
  register_decorator(std::move(kind));
}

}  // namespace ss::handlers
