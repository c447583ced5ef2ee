#pragma once
// The reference store: what a correct save handler answers. A map of id -> data and timestamps,
// with expiry by gc (files-like) or by TTL (Redis-like), destroy, gc, create_sid uniqueness and
// validateId = exists. It judges answers rather than producing them where a handler may choose
// (create_sid returns any unused, well-formed id).

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "model/calls.hpp"

namespace ss::model {

/// How a store forgets old sessions.
enum class Expiry : std::uint8_t {
  /// Only gc() removes sessions (files, SQLite, the table): an old session reads back until gc.
  gc_only,
  /// Sessions vanish `ttl_s` after their last write or updateTimestamp (Redis); gc() returns 0.
  ttl,
  /// Reads of a session older than gc_maxlifetime answer "" even before gc runs (SQLite).
  lazy,
};

/// Which session ids a store keeps: a declared guarantee, not a rule of PHP. PHP hands a user
/// handler any id but one with characters that could split headers ("x.y;z" arrives unchanged);
/// only its files module (and SessionHandler, which proxies it) refuses ids outside
/// [A-Za-z0-9,-].
enum class IdPolicy : std::uint8_t {
  /// As PHP's files module: ids outside [A-Za-z0-9,-]{1,id_bytes_max} are refused (reads fail,
  /// writes fail, nothing is stored). A hardening choice, never required by PHP.
  files_charset,
  /// Every id is a session id like any other.
  any,
  /// Not declared (a user handler): either choice conforms. The first call with an id outside
  /// the files charset shows which one the handler made; the rest of the run must keep to it.
  undeclared,
};

[[nodiscard]] std::string_view id_policy_name(IdPolicy p);

struct StoreConfig {
  Expiry expiry = Expiry::gc_only;
  /// For Expiry::ttl and Expiry::lazy: the lifetime in seconds.
  std::int64_t ttl_s = 1440;
  /// The longest id the store keeps (PHP's limit is 256; a sess_<id> file name allows 250).
  /// Longer, otherwise well-formed ids are refused like malformed ones (IdPolicy::files_charset).
  std::size_t id_bytes_max = 256;
  /// A declared capacity: the store may refuse to store a new session (a full table) once it
  /// holds some, at most this many. No limit by default.
  std::size_t sessions_max = std::numeric_limits<std::size_t>::max();
  /// A declared payload limit: the store may refuse a larger session. No limit by default.
  std::size_t payload_bytes_max = std::numeric_limits<std::size_t>::max();
  IdPolicy ids = IdPolicy::files_charset;
};

/// What a run showed of a store's id policy: whether it met an id outside the files charset and
/// kept or refused it (the hardening property `sessionspec check` reports).
struct OddIdObservation {
  bool seen = false;
  bool accepted = false;
  std::string example;
};

struct StoredSession {
  std::string data;
  std::int64_t mtime_s = 0;
  friend bool operator==(const StoredSession&, const StoredSession&) = default;
};

/// Whether a session last written or touched at `s.mtime_s` still answers readers at `now_s`
/// under a declared expiry: a gc-only store keeps it until gc() removes it; a ttl or lazy store
/// stops answering with it once it is older than `ttl_s`. The reference store and the memory
/// handler share this one predicate, so what a correct store answers cannot drift between them.
[[nodiscard]] inline bool session_live(const StoredSession& s, Expiry expiry, std::int64_t ttl_s,
                                       std::int64_t now_s) {
  return expiry == Expiry::gc_only || now_s - s.mtime_s <= ttl_s;
}

/// The verdict on one handler answer.
struct Judgement {
  bool ok = true;
  /// What a correct handler answers (for create_sid: a description).
  std::string expected;
};

class StoreModel {
 public:
  explicit StoreModel(StoreConfig config = {}) : config_(config) {}

  /// Checks `actual` against what a correct store answers to `call` at time `now_s`, then applies
  /// the call's effect (using the actual id for create_sid). Failed answers leave the state alone.
  Judgement observe(const HandlerCall& call, const Answer& actual, std::int64_t now_s);

  /// The answer a correct store gives (create_sid: a fresh id from `fresh_id`).
  Answer answer(const HandlerCall& call, std::int64_t now_s, const std::string& fresh_id);

  /// Seeds a stored session (scenario `store` lines).
  void put(const std::string& id, std::string data, std::int64_t mtime_s);

  [[nodiscard]] const std::map<std::string, StoredSession>& sessions() const { return records_; }
  [[nodiscard]] bool live(const std::string& id, std::int64_t now_s) const;
  /// An id the store keeps under its id policy (an undeclared policy not yet shown: refused).
  [[nodiscard]] bool storable(const std::string& id) const;
  /// The first call with an id outside the files charset, and whether the store kept it.
  [[nodiscard]] const OddIdObservation& odd_ids() const { return odd_ids_; }
  /// Notes what `actual` shows of the id policy (observe() does it itself): for judges that
  /// compare a call that changes nothing with answer() instead of observe().
  void learn_odd_id(const HandlerCall& call, const Answer& actual);

 private:
  void apply(const HandlerCall& call, const Answer& answer, std::int64_t now_s);
  /// Whether `actual` is a capacity refusal the store's declared limits allow for `call`.
  [[nodiscard]] bool refusal_allowed(const HandlerCall& call, const Answer& actual,
                                     std::int64_t now_s) const;
  void expire(std::int64_t now_s);
  /// Stores or replaces a record, keeping by_age_ in step.
  void store(const std::string& id, StoredSession session);
  void remove(const std::string& id);
  /// How many records are older than `max_s` at `now_s`; with `erase`, also removes them.
  std::int64_t collect(std::int64_t now_s, std::int64_t max_s, bool erase);

  StoreConfig config_;
  std::map<std::string, StoredSession> records_;
  OddIdObservation odd_ids_;
  /// (mtime, id) of every record, oldest first: expiry and gc visit only the records they remove
  /// or count, so a call costs O(log n + expired) rather than a scan of the whole store
  /// (issue #14, D14: 8,000 Redis sessions took 20 s).
  std::set<std::pair<std::int64_t, std::string>> by_age_;
};

}  // namespace ss::model
