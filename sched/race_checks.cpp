#include "sched/race_checks.hpp"

#include <algorithm>

#include "handlers/run_task.hpp"
#include "model/codec.hpp"

namespace ss::sched {

int SerialOrder::choose(const std::vector<int>& ready, int current, std::size_t) {
  for (int t : order_) {
    if (std::find(ready.begin(), ready.end(), t) != ready.end()) return t;
  }
  return default_choice(ready, current);
}

// ---- the stored state after a run ------------------------------------------------------------

const std::string& CanonicalCache::get(const std::string& data) {
  if (auto it = entries_.find(data); it != entries_.end()) return it->second;
  std::string c;
  if (!data.empty()) {
    auto decoded = model::decode_session(data, format_);
    if (auto* a = std::get_if<model::Array>(&decoded)) {
      if (!a->empty()) c = model::serialize(model::Value{*a});
    } else {
      c = "raw:" + data;
    }
  }
  if (entries_.size() >= entries_max) {
    uncached_ = std::move(c);
    return uncached_;
  }
  return entries_.emplace(data, std::move(c)).first->second;
}

namespace {

handlers::Task<void> read_sessions(handlers::Backend& backend, handlers::ManualClock& clock,
                                   const std::vector<std::string>& ids,
                                   const std::set<std::string>& named, CanonicalCache& canonical,
                                   StoreState& state, std::vector<std::string>* unreadable) {
  handlers::IoPoints plain;
  for (const auto& id : ids) {
    auto h = backend.connect(handlers::RequestEnv{&clock, &plain, 0});
    (void)co_await h->open("", "");
    auto r = co_await h->read(id);
    (void)co_await h->close();
    if (!r) {
      if (unreadable != nullptr) unreadable->push_back(id);
      continue;
    }
    const std::string& c = canonical.get(r.value());
    if (named.count(id)) {
      state.named.emplace(id, c);
    } else if (!c.empty()) {
      state.anonymous.insert(c);
    }
  }
}

}  // namespace

StoreState read_state(boost::asio::io_context& io, handlers::Backend& backend,
                      handlers::ManualClock& clock, const std::vector<std::string>& ids,
                      const std::set<std::string>& named, CanonicalCache& canonical,
                      std::vector<std::string>* unreadable) {
  StoreState state;
  handlers::run_task(io, read_sessions(backend, clock, ids, named, canonical, state, unreadable));
  return state;
}

}  // namespace ss::sched
