#pragma once
// The fault properties: listeners on a run's event stream, like the judge's other properties
// (scenarios/judge.hpp), that judge what happened to the sessions when something failed. They
// read the handler's declared FaultBehaviour (handlers/seam.hpp): a loss it declares is a
// finding, any other loss a failure.
//
//  - no-wipe: a request whose read answered '' for a session holding acknowledged data (a lock
//    or read that failed and was turned into "empty", CodeIgniter4 #8567) then writes the
//    session: its data is replaced by what was built on nothing;
//  - acked-write-lost: a write is acknowledged when the handler answered success and the
//    script call that made it completed (a crash before that acknowledges nothing). A later
//    reader (a request that began after the acknowledgement) and the final store see it,
//    unless a later write or destroy superseded it, the session may have expired by then, or a
//    failed write may have changed it as the handler declares (FailedWrite). A restart of a
//    server that declares it loses data makes such a loss a finding;
//  - silent-failure: a read, write or updateTimestamp that failed shows in the script call or
//    end of request that made it (a warning, an exception, a false result);
//  - lock-recovery: on a serialised handler, a read that fails with nobody alive holding the
//    session, after a crashed holder's declared recovery bound (Recovery: files at once, a
//    Redis lease after lock_ttl_ms, ...), and a session still unreadable once the bound has
//    passed at the end of the run, mean a lock the handler never gives back.
//
// Whether every wait is bounded is the judge's progress property (a run that never ends is a
// deadlock or a spent step budget).

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "scenarios/analysis.hpp"
#include "scenarios/events.hpp"

namespace ss::scenarios {

struct Violation;

/// What the fault properties need at the end of a run, beyond its events.
struct FaultEnding {
  /// The stored sessions after the run (null when it did not finish).
  const StoreState* final_state = nullptr;
  /// Ids whose final read failed.
  const std::vector<std::string>* unreadable = nullptr;
  /// The clock when the final store was read.
  std::int64_t now_s = 0;
  /// Session data in the form StoreState holds it (StoreState's normalisation).
  std::function<std::string(const std::string&)> canonical;
};

class FaultChecks final : public Listener {
 public:
  explicit FaultChecks(const ScenarioAnalysis& analysis);
  ~FaultChecks() override;
  FaultChecks(const FaultChecks&) = delete;
  FaultChecks& operator=(const FaultChecks&) = delete;

  void on_event(const Event& e) override;
  /// Judges the final store and appends every violation, in the order no-wipe,
  /// acked-write-lost, silent-failure, lock-recovery.
  void finish(const FaultEnding& ending, std::vector<Violation>& out);
  /// Tasks (request - 1) that crashed or saw a handler call fail: a serial order that explains
  /// the run may leave each of them out.
  [[nodiscard]] std::vector<int> optional_tasks() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace ss::scenarios
