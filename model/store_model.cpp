#include "model/store_model.hpp"

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
  if (it == records_.end()) return false;
  if (config_.expiry == Expiry::gc_only) return true;
  return now_s - it->second.mtime_s <= config_.ttl_s;
}

void StoreModel::put(const std::string& id, std::string data, std::int64_t mtime_s) {
  records_[id] = StoredSession{std::move(data), mtime_s};
}

// TTL stores forget on their own; the model forgets at the next observation.
void StoreModel::expire(std::int64_t now_s) {
  if (config_.expiry != Expiry::ttl) return;
  for (auto it = records_.begin(); it != records_.end();) {
    it = live(it->first, now_s) ? std::next(it) : records_.erase(it);
  }
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
      const std::int64_t max_s = std::stoll(call.args.at(0));
      std::int64_t count = 0;
      for (const auto& [sid, rec] : records_) count += (now_s - rec.mtime_s > max_s) ? 1 : 0;
      return Answer::integer_(count);
    }
  }
  return Answer::failure_("unknown method");
}

void StoreModel::apply(const HandlerCall& call, const Answer& a, std::int64_t now_s) {
  if (!a.ok()) return;
  const std::string id = call.args.empty() ? std::string() : call.args[0];
  switch (call.method) {
    case Method::write: records_[id] = StoredSession{call.args.at(1), now_s}; return;
    case Method::update_timestamp: {
      // A touch of a missing session stores it, as PHP's files handler falls back to a write.
      auto [it, inserted] = records_.try_emplace(id, StoredSession{call.args.at(1), now_s});
      if (!inserted) it->second.mtime_s = now_s;
      return;
    }
    case Method::destroy: records_.erase(id); return;
    case Method::gc: {
      if (config_.expiry == Expiry::ttl) return;
      const std::int64_t max_s = std::stoll(call.args.at(0));
      for (auto it = records_.begin(); it != records_.end();) {
        it = (now_s - it->second.mtime_s > max_s) ? records_.erase(it) : std::next(it);
      }
      return;
    }
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
