#include "scenarios/fault_checks.hpp"

#include <algorithm>
#include <optional>

#include "model/value.hpp"
#include "scenarios/judge.hpp"

namespace ss::scenarios {

using handlers::FaultKind;
using model::Method;

namespace {

/// What the properties know of one session id.
struct Session {
  /// Acknowledged data exists and the properties judge it (not while concurrent writers race,
  /// which the race properties judge).
  bool judged = false;
  /// What an observer may see: the acknowledged data, and whatever was written or destroyed
  /// after it ("" stands for no session).
  std::vector<std::string> candidates;
  /// The event that acknowledged the data; readers that began before it are not judged.
  int ack_seq = 0;
  /// When the acknowledged data was written (its expiry counts from there).
  std::int64_t refreshed_s = 0;
  /// A failed write may have damaged it as the handler declares (FailedWrite::undefined).
  bool damage_declared = false;
  /// A restart of a server that declares it loses data happened since.
  bool loss_declared = false;
  /// The event seq of the latest successful write or destroy: a write acknowledged after a
  /// later one was made does not replace what that later one stored.
  int last_write_seq = 0;
  /// When crashed requests that held its lock died.
  std::vector<std::int64_t> orphaned_s;
};

/// A write (or destroy: data "") that waits for its script call to complete.
struct PendingWrite {
  std::string id;
  std::string data;
  int step = 0;
  std::int64_t now_s = 0;
  /// updateTimestamp: only the session's age changes; its data is what the request read,
  /// which a concurrent write may have replaced since.
  bool touch = false;
  /// The write's place in the run's event order.
  int seq = 0;
};

/// A failed handler call that must show in its script call.
struct FailedCall {
  int step = 0;
  Method method = Method::read;
  std::string id;
  std::string reason;
};

struct Lane {
  int began_seq = -1;
  bool finished = false;
  bool crashed = false;
  bool failed = false;
  /// A fault is armed against this request's next handler call.
  bool armed = false;
  std::vector<PendingWrite> pending;
  std::vector<FailedCall> failures;
  /// Ids this request read as '' although they held acknowledged data (the read it made), and
  /// whether a failed write that the handler declares may damage the session came before.
  std::map<std::string, std::pair<std::string, bool>> wrong_empty;
  /// Ids whose lock this request holds (serialised handlers).
  std::set<std::string> holds;
  std::set<std::string> touched;
  [[nodiscard]] bool alive() const { return began_seq >= 0 && !finished && !crashed; }
};

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

void add(std::vector<std::string>& v, const std::string& s) {
  if (!has(v, s)) v.push_back(s);
}

std::string cut(const std::string& s) {
  constexpr std::size_t shown_max = 80;
  return model::show(model::Value{s.size() > shown_max ? s.substr(0, shown_max) + "..." : s});
}

bool shows_failure(const model::Outcome& o) {
  return !o.diagnostics.empty() || o.thrown.has_value() || o.result == model::Value{false};
}

}  // namespace

struct FaultChecks::State {
  explicit State(const ScenarioAnalysis& a) : analysis(a) {}
  const ScenarioAnalysis& analysis;
  std::shared_ptr<const RunHeader> header;
  std::map<std::string, Session> sessions;
  std::map<int, Lane> lanes;
  std::vector<Violation> no_wipe, lost, silent, recovery;
  /// The request whose next call runs while the whole store is busy or its disk full (-1:
  /// none): every request's calls may fail meanwhile, not only its own.
  int store_fault_request = -1;

  void start(const Event& e);
  void handler(const Event& e);
  void read(Lane& lane, const Event& e, bool faulted);
  void written(Lane& lane, const Event& e, const std::string& id, const std::string& data);
  void write_failed(const std::string& id, const std::string& data);
  void completed(const Event& e, const model::Outcome& outcome);
  void acknowledge(Lane& lane, const Event& e);
  void fault(const Event& e);
  void release(Lane& lane, int request, bool orphan, std::int64_t now_s);
  [[nodiscard]] bool may_have_expired(const Session& s, std::int64_t now_s) const;
  [[nodiscard]] std::int64_t recovery_s() const;
  [[nodiscard]] bool serialised() const {
    return header->guarantees.concurrency == handlers::Concurrency::serialised;
  }
  [[nodiscard]] bool contested(const std::string& id, int request) const;
  void check_lock(const Event& e, const std::string& id);
  void judge_final(const FaultEnding& ending);
};

void FaultChecks::State::start(const Event& e) {
  header = e.run_shared();
  sessions.clear();
  lanes.clear();
  store_fault_request = -1;
  no_wipe.clear();
  lost.clear();
  silent.clear();
  recovery.clear();
  if (header->scenario == nullptr) return;
  for (const auto& st : header->scenario->store) {
    Session& s = sessions[st.id];
    s.judged = true;
    s.candidates = {st.data};
    s.refreshed_s = header->scenario->clock_start_s - st.age_s;
  }
}

// A session may be gone without anyone's fault once it is older than the shortest lifetime that
// applies: gc_maxlifetime (gc may run in any request), or the store's own TTL.
bool FaultChecks::State::may_have_expired(const Session& s, std::int64_t now_s) const {
  std::int64_t lifetime = header->options.gc_maxlifetime;
  if (header->guarantees.store.expiry != model::Expiry::gc_only) {
    lifetime = std::min(lifetime, header->guarantees.store.ttl_s);
  }
  return now_s - s.refreshed_s > lifetime;
}

std::int64_t FaultChecks::State::recovery_s() const {
  const handlers::FaultBehaviour& f = header->guarantees.faults;
  return f.recovery == handlers::Recovery::lease ? (f.recovery_ms + 999) / 1000 : 0;
}

bool FaultChecks::State::contested(const std::string& id, int request) const {
  for (const auto& [r, lane] : lanes) {
    if (r != request && lane.alive() && lane.touched.count(id)) return true;
  }
  return false;
}

void FaultChecks::State::handler(const Event& e) {
  Lane& lane = lanes[e.request];
  const HandlerEvent& h = e.handler();
  const bool faulted = std::exchange(lane.armed, false);
  if (faulted && e.request == store_fault_request) store_fault_request = -1;
  const std::string id = h.call.args.empty() ? std::string() : h.call.args[0];
  const bool ok = h.answer.ok();
  if (!ok) lane.failed = true;
  switch (h.call.method) {
    case Method::read: read(lane, e, faulted); return;
    case Method::write:
    case Method::update_timestamp: {
      const std::string& data = h.call.args.at(1);
      lane.touched.insert(id);
      if (ok && h.call.method == Method::update_timestamp) {
        lane.pending.push_back({id, data, e.step, h.now_s, true, e.seq});
      } else if (ok) {
        written(lane, e, id, data);
      } else {
        write_failed(id, data);
        lane.failures.push_back({e.step, h.call.method, id, h.answer.reason});
      }
      return;
    }
    case Method::destroy:
      lane.touched.insert(id);
      if (ok) {
        add(sessions[id].candidates, "");
        sessions[id].last_write_seq = std::max(sessions[id].last_write_seq, e.seq);
        lane.pending.push_back({id, "", e.step, h.now_s, false, e.seq});
        lane.holds.erase(id);
      }
      return;
    case Method::close:
      if (ok) lane.holds.clear();
      return;
    default: return;
  }
}

void FaultChecks::State::read(Lane& lane, const Event& e, bool faulted) {
  const HandlerEvent& h = e.handler();
  const std::string& id = h.call.args.at(0);
  lane.touched.insert(id);
  if (!h.answer.ok()) {
    lane.failures.push_back({e.step, Method::read, id, h.answer.reason});
    if (!faulted && serialised()) check_lock(e, id);
    return;
  }
  if (serialised()) lane.holds.insert(id);
  auto it = sessions.find(id);
  if (it == sessions.end()) return;
  Session& s = it->second;
  const std::string& got = h.answer.s;
  if (!s.judged || lane.began_seq <= s.ack_seq || has(s.candidates, got)) return;
  if (got.empty() && (may_have_expired(s, h.now_s) || s.loss_declared)) return;
  if (got.empty()) {
    // Whether this is a wipe depends on what the request does next (written()).
    lane.wrong_empty.emplace(id, std::make_pair(s.candidates.front(), s.damage_declared));
    return;
  }
  lost.push_back({"acked-write-lost", !s.damage_declared,
                  "request " + std::string(e.lane) + " read " + cut(got) + " for " + id +
                      ", which holds " + cut(s.candidates.front()) + " (acknowledged)"});
}

void FaultChecks::State::written(Lane& lane, const Event& e, const std::string& id,
                                 const std::string& data) {
  Session& s = sessions[id];
  add(s.candidates, data);
  s.last_write_seq = std::max(s.last_write_seq, e.seq);
  lane.pending.push_back({id, data, e.step, e.handler().now_s, false, e.seq});
  auto wiped = lane.wrong_empty.find(id);
  if (wiped == lane.wrong_empty.end()) return;
  const auto& [held, declared] = wiped->second;
  no_wipe.push_back({"no-wipe", !declared,
                     "request " + std::string(e.lane) + " read '' for " + id + ", which held " +
                         cut(held) + " (acknowledged), then wrote " + cut(data) + " over it" +
                         (declared ? " (after a failed write the handler declares may damage "
                                     "the session)"
                                   : "")});
  lane.wrong_empty.erase(wiped);
}

// What a failed write leaves is what the handler declares it leaves.
void FaultChecks::State::write_failed(const std::string& id, const std::string& data) {
  Session& s = sessions[id];
  switch (header->guarantees.faults.failed_write) {
    case handlers::FailedWrite::unchanged: return;
    case handlers::FailedWrite::previous_or_new: add(s.candidates, data); return;
    case handlers::FailedWrite::undefined:
      add(s.candidates, data);
      s.damage_declared = true;
      return;
  }
}

// The script call (or the end of the request) that made these calls has completed: its writes
// are acknowledged, and its failures must show in what it returned.
void FaultChecks::State::completed(const Event& e, const model::Outcome& outcome) {
  Lane& lane = lanes[e.request];
  for (auto it = lane.failures.begin(); it != lane.failures.end();) {
    if (it->step > e.step) {
      ++it;
      continue;
    }
    if (!shows_failure(outcome)) {
      silent.push_back({"silent-failure", true,
                        "request " + std::string(e.lane) + ": " +
                            std::string(model::method_name(it->method)) + "(" + it->id +
                            ") failed (" + it->reason +
                            ") but the script saw no warning, exception or false"});
    }
    it = lane.failures.erase(it);
  }
  acknowledge(lane, e);
}

void FaultChecks::State::acknowledge(Lane& lane, const Event& e) {
  for (auto it = lane.pending.begin(); it != lane.pending.end();) {
    if (it->step > e.step) {
      ++it;
      continue;
    }
    Session& s = sessions[it->id];
    if (it->touch) {
      s.refreshed_s = std::max(s.refreshed_s, it->now_s);
    } else if (it->seq < s.last_write_seq) {
      // A later write was made before this one was acknowledged: either may be what is stored.
      add(s.candidates, it->data);
    } else if (contested(it->id, e.request)) {
      // Writers overlap: who wins is the concurrency guarantee's business.
      s.judged = false;
    } else {
      s.judged = true;
      s.candidates = {it->data};
      s.ack_seq = e.seq;
      s.refreshed_s = it->now_s;
      s.damage_declared = false;
      s.loss_declared = false;
    }
    it = lane.pending.erase(it);
  }
}

// A failed read with no live holder: a lock nobody alive holds, which only a crashed holder
// within its recovery bound excuses.
void FaultChecks::State::check_lock(const Event& e, const std::string& id) {
  if (store_fault_request >= 0) return;
  for (const auto& [r, other] : lanes) {
    if (r != e.request && other.alive() && other.holds.count(id)) return;
  }
  const std::int64_t now = e.handler().now_s;
  const Session& s = sessions[id];
  std::string orphan = "; nobody crashed holding it";
  for (std::int64_t died : s.orphaned_s) {
    if (now <= died + recovery_s()) return;
    orphan = "; its holder died at " + std::to_string(died) + ", " + std::to_string(now - died) +
             " s before";
  }
  recovery.push_back({"lock-recovery", true,
                      "request " + std::string(e.lane) + " could not read " + id +
                          ", which no live request holds" + orphan + " (declared " +
                          header->guarantees.faults.str() + ")"});
}

void FaultChecks::State::release(Lane& lane, int request, bool orphan, std::int64_t now_s) {
  (void)request;
  if (orphan) {
    for (const auto& id : lane.holds) sessions[id].orphaned_s.push_back(now_s);
  }
  lane.holds.clear();
}

void FaultChecks::State::fault(const Event& e) {
  const FaultEvent& f = e.fault();
  Lane& lane = lanes[e.request];
  switch (f.kind) {
    case FaultKind::crash:
    case FaultKind::skip:
      lane.crashed = true;
      lane.pending.clear();
      lane.failures.clear();
      lane.wrong_empty.clear();
      release(lane, e.request, true, f.now_s);
      return;
    case FaultKind::restart:
      // Every live request's connection broke with the server.
      for (auto& [r, other] : lanes) other.armed = other.alive();
      if (!header->guarantees.faults.survives_restart) {
        for (auto& [id, s] : sessions) {
          s.loss_declared = true;
          add(s.candidates, "");
        }
      }
      return;
    case FaultKind::stall: return;
    case FaultKind::busy:
    case FaultKind::full:
      store_fault_request = e.request;
      lane.armed = true;
      return;
    case FaultKind::reset:
      // A broken connection cannot give its lock back by command: like a crashed holder's, it
      // stays until the handler's declared recovery.
      for (const auto& id : lane.holds) sessions[id].orphaned_s.push_back(f.now_s);
      lane.armed = true;
      return;
    default: lane.armed = true; return;
  }
}

void FaultChecks::State::judge_final(const FaultEnding& ending) {
  if (ending.final_state == nullptr) return;
  for (const auto& [id, s] : sessions) {
    if (!s.judged || !analysis.named_ids.count(id)) continue;
    const auto found = ending.final_state->named.find(id);
    if (found == ending.final_state->named.end()) continue;
    const std::string& got = found->second;
    bool seen = false;
    for (const auto& c : s.candidates) seen = seen || ending.canonical(c) == got;
    if (seen || (got.empty() && may_have_expired(s, ending.now_s))) continue;
    const bool declared = s.damage_declared || (got.empty() && s.loss_declared);
    lost.push_back({"acked-write-lost", !declared,
                    "the final store holds " + cut(got) + " for " + id + ", acknowledged " +
                        cut(s.candidates.front()) + " (declared " +
                        header->guarantees.faults.str() + ")"});
  }
  if (ending.unreadable == nullptr) return;
  for (const auto& id : *ending.unreadable) {
    recovery.push_back({"lock-recovery", true,
                        "session " + id +
                            " cannot be read once the declared recovery bound has "
                            "passed (declared " +
                            header->guarantees.faults.str() + ")"});
  }
}

FaultChecks::FaultChecks(const ScenarioAnalysis& analysis)
    : s_(std::make_unique<State>(analysis)) {}

FaultChecks::~FaultChecks() = default;

void FaultChecks::on_event(const Event& e) {
  switch (e.kind()) {
    case EventKind::run: s_->start(e); return;
    case EventKind::request: s_->lanes[e.request].began_seq = e.seq; return;
    case EventKind::handler: s_->handler(e); return;
    case EventKind::script: s_->completed(e, e.script().outcome); return;
    case EventKind::response: {
      s_->completed(e, e.response().outcome);
      Lane& lane = s_->lanes[e.request];
      for (const auto& [id, held] : lane.wrong_empty) {
        s_->lost.push_back({"acked-write-lost", !held.second,
                            "request " + std::string(e.lane) + " read '' for " + id +
                                ", which holds " + cut(held.first) + " (acknowledged)"});
      }
      lane.wrong_empty.clear();
      lane.finished = true;
      s_->release(lane, e.request, false, 0);
      return;
    }
    case EventKind::fault: s_->fault(e); return;
  }
}

void FaultChecks::finish(const FaultEnding& ending, std::vector<Violation>& out) {
  s_->judge_final(ending);
  for (auto* list : {&s_->no_wipe, &s_->lost, &s_->silent, &s_->recovery}) {
    for (auto& v : *list) out.push_back(std::move(v));
    list->clear();
  }
}

std::vector<int> FaultChecks::optional_tasks() const {
  std::vector<int> out;
  for (const auto& [r, lane] : s_->lanes) {
    if (r >= 1 && (lane.crashed || lane.failed)) out.push_back(r - 1);
  }
  return out;
}

}  // namespace ss::scenarios
