#include "model/store_model.hpp"

#include <charconv>
#include <iterator>

#include "model/engine.hpp"

namespace ss::model {

std::string_view id_policy_name(IdPolicy p) {
  switch (p) {
    case IdPolicy::files_charset: return "files-charset";
    case IdPolicy::any: return "any";
    case IdPolicy::undeclared: return "undeclared";
  }
  return "?";
}

namespace {

bool files_charset_id(const std::string& id, std::size_t bytes_max) {
  return valid_session_id(id) && id.size() <= bytes_max;
}

bool carries_id(Method m) {
  return m == Method::read || m == Method::write || m == Method::destroy ||
         m == Method::update_timestamp || m == Method::validate_id;
}

/// gc's max lifetime argument (decimal seconds, as the engine passes it). Malformed text counts
/// as 0 rather than throwing: the model never throws.
std::int64_t gc_max_s(const HandlerCall& call) {
  std::int64_t v = 0;
  if (call.args.empty()) return v;
  const std::string& s = call.args[0];
  (void)std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

}  // namespace

bool StoreModel::storable(const std::string& id) const {
  if (files_charset_id(id, config_.id_bytes_max)) return true;
  switch (config_.ids) {
    case IdPolicy::files_charset: return false;
    case IdPolicy::any: return true;
    case IdPolicy::undeclared: return odd_ids_.seen && odd_ids_.accepted;
  }
  return false;
}

// The first read, write, touch or destroy of an id outside the files charset shows what the
// store does with such ids; an undeclared policy is that from then on. (validateId cannot show
// it: "no such session" and "refused" are both false.)
void StoreModel::learn_odd_id(const HandlerCall& call, const Answer& actual) {
  if (odd_ids_.seen || !carries_id(call.method) || call.method == Method::validate_id) return;
  const std::string& id = call.args.at(0);
  if (files_charset_id(id, config_.id_bytes_max)) return;
  odd_ids_.seen = true;
  odd_ids_.example = id.substr(0, 64);
  odd_ids_.accepted =
      call.method == Method::read ? actual.kind == Answer::Kind::string : actual.ok();
}

bool StoreModel::live(const std::string& id, std::int64_t now_s) const {
  auto it = records_.find(id);
  return it != records_.end() && session_live(it->second, config_.expiry, config_.ttl_s, now_s);
}

void StoreModel::put(const std::string& id, std::string data, std::int64_t mtime_s) {
  store(id, StoredSession{std::move(data), mtime_s});
}

void StoreModel::store(const std::string& id, StoredSession session) {
  auto [it, inserted] = records_.try_emplace(id);
  if (!inserted) by_age_.erase({it->second.mtime_s, id});
  it->second = std::move(session);
  by_age_.emplace(it->second.mtime_s, id);
}

void StoreModel::remove(const std::string& id) {
  auto it = records_.find(id);
  if (it == records_.end()) return;
  by_age_.erase({it->second.mtime_s, id});
  records_.erase(it);
}

// Records strictly older than max_s are the first ones of by_age_.
std::int64_t StoreModel::collect(std::int64_t now_s, std::int64_t max_s, bool erase) {
  std::int64_t count = 0;
  for (auto it = by_age_.begin(); it != by_age_.end() && now_s - it->first > max_s;) {
    ++count;
    if (!erase) {
      ++it;
      continue;
    }
    records_.erase(it->second);
    it = by_age_.erase(it);
  }
  return count;
}

// TTL stores forget on their own; the model forgets at the next observation.
void StoreModel::expire(std::int64_t now_s) {
  if (config_.expiry != Expiry::ttl) return;
  (void)collect(now_s, config_.ttl_s, true);
}

Answer StoreModel::answer(const HandlerCall& call, std::int64_t now_s,
                          const std::string& fresh_id) {
  expire(now_s);
  const std::string id = call.args.empty() ? std::string() : call.args[0];
  switch (call.method) {
    case Method::open:
    case Method::close: return Answer::boolean_(true);
    case Method::create_sid: return Answer::string_(fresh_id);
    case Method::validate_id: return Answer::boolean_(storable(id) && live(id, now_s));
    case Method::read:
      if (!storable(id)) return Answer::failure_("malformed session id");
      return Answer::string_(live(id, now_s) ? records_.at(id).data : std::string());
    case Method::write:
    case Method::update_timestamp:
    case Method::destroy:
      if (!storable(id)) return Answer::failure_("malformed session id");
      return Answer::boolean_(true);
    case Method::gc: {
      if (config_.expiry == Expiry::ttl) return Answer::integer_(0);
      return Answer::integer_(collect(now_s, gc_max_s(call), false));
    }
  }
  return Answer::failure_("unknown method");
}

void StoreModel::apply(const HandlerCall& call, const Answer& a, std::int64_t now_s) {
  if (!a.ok()) return;
  const std::string id = call.args.empty() ? std::string() : call.args[0];
  switch (call.method) {
    case Method::write: store(id, StoredSession{call.args.at(1), now_s}); return;
    case Method::update_timestamp: {
      // A touch of a missing session stores it, as PHP's files handler falls back to a write.
      auto it = records_.find(id);
      if (it == records_.end()) {
        store(id, StoredSession{call.args.at(1), now_s});
        return;
      }
      by_age_.erase({it->second.mtime_s, id});
      it->second.mtime_s = now_s;
      by_age_.emplace(now_s, id);
      return;
    }
    case Method::destroy: remove(id); return;
    case Method::gc:
      if (config_.expiry != Expiry::ttl) (void)collect(now_s, gc_max_s(call), true);
      return;
    default: return;
  }
}

// A store that declares a capacity may refuse, for lack of room, a write that would store a new
// session or a payload over its limit: the declared limit at work, not a wrong answer. Nothing is
// stored then (and PHP sees a failed write either way).
bool StoreModel::refusal_allowed(const HandlerCall& call, const Answer& actual,
                                 std::int64_t now_s) const {
  if (actual.kind != Answer::Kind::failure || !actual.capacity_refusal) return false;
  if (call.method != Method::write && call.method != Method::update_timestamp) return false;
  if (call.args.size() < 2 || !storable(call.args[0])) return false;
  const bool new_session = !live(call.args[0], now_s);
  const std::size_t unlimited = std::numeric_limits<std::size_t>::max();
  return (new_session && config_.sessions_max != unlimited) ||
         call.args[1].size() > config_.payload_bytes_max;
}

Judgement StoreModel::observe(const HandlerCall& call, const Answer& actual, std::int64_t now_s) {
  Judgement j;
  if (refusal_allowed(call, actual, now_s)) {
    j.expected = "true, or a refusal at the store's declared capacity";
    return j;
  }
  if (call.method == Method::create_sid) {
    expire(now_s);
    // Ids a handler makes itself stay within the files charset whatever ids it keeps.
    const bool fresh = actual.kind == Answer::Kind::string &&
                       files_charset_id(actual.s, config_.id_bytes_max) &&
                       records_.count(actual.s) == 0;
    j.ok = fresh;
    j.expected = "an unused id matching [A-Za-z0-9,-]{1,256}";
    return j;
  }
  learn_odd_id(call, actual);
  const Answer want = answer(call, now_s, {});
  j.ok = want.same_for_php(actual);
  j.expected = show(want);
  if (j.ok) apply(call, actual, now_s);
  return j;
}

}  // namespace ss::model
