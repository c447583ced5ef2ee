#pragma once
// The executable side of the stateful properties, free of RapidCheck so that benchmarks and the
// CLI can drive it too. A Harness runs script calls against a real handler through one engine
// (the system under test) and, when checked, reports every step as events to the judge
// (scenarios/judge.hpp) that `check` uses too: every handler answer is judged by the reference
// store (model::StoreModel), and a shadow engine of the same profile answered with the judged
// answers must agree with everything the script saw (result, status, id, $_SESSION,
// Set-Cookie). The harness adds what only a property case does: another process probing a held
// lock, and a final audit of the store. The first disagreement is kept and every later step does
// nothing.

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "handlers/clock.hpp"
#include "handlers/registry.hpp"
#include "handlers/seam.hpp"
#include "model/engine.hpp"
#include "scenarios/judge.hpp"

namespace ss::properties {

/// I/O points for sequential runs. Nothing else holds a lock a handler could wait for, so a
/// handler that blocks is blocked by a lock leaked earlier in the run (or, in a probe, by the
/// current request): give up at once instead of spending the default real-time budget (3 s) on
/// every call.
class NoWaitPoints final : public handlers::IoPoints {
 public:
  handlers::Task<void> point(std::string_view) override { co_return; }
  handlers::Task<bool> blocked(std::string_view, int) override { co_return false; }
};

/// One property case's configuration: engine profile, ini settings, capability variant, seed.
struct CaseConfig {
  model::EngineKind engine = model::EngineKind::php82;
  model::RunOptions options;
  model::Variant variant = model::Variant::full;
  /// Seeds both engines' generators (PHP-made ids, gc draws) and the backend.
  std::uint64_t seed = 1;
};

/// One line: engine, variant and the ini settings that differ from the defaults.
[[nodiscard]] std::string describe(const CaseConfig& cfg);

/// Known handler bugs a target is excused for, so that the rest of its behaviour stays checked
/// while the bug waits for its fix. A case that reaches an excused bug stops there and is
/// discarded (it neither passes nor fails). Nothing is excused by default.
struct Tolerances {
  /// `files` (like PHP's mod_files) keeps using the descriptor of a session file that gc()
  /// unlinked while the request held its lock: later reads see the old data and writes are
  /// lost, where the reference store recreates the session. Shrunk: session_start();
  /// session_write_close(); advance(101); session_start() with gc_maxlifetime=100 and gc on.
  bool gc_of_held_session = false;
};

/// The tolerances a handler (or a mutant over it) gets: see docs/properties.md.
[[nodiscard]] Tolerances tolerances_for(const handlers::HandlerSpec& handler);

/// A script call as PHP code would name it: `session_start(['read_and_close' => '1'])`.
[[nodiscard]] std::string show_call(const model::ScriptCall& call);

/// What the browser sends as PHPSESSID with a new request.
struct CookieChoice {
  enum class Kind : std::uint8_t { jar, none, explicit_id };
  Kind kind = Kind::jar;
  /// For explicit_id.
  std::string id;
};

/// Drives one case. Not copyable: it owns the backend, the clock and the engines.
class Harness {
 public:
  /// Builds the case's backend, an isolated instance of `target` (a failure to build it is the
  /// case's failure), and starts the first request, without a cookie.
  Harness(const CaseConfig& cfg, const handlers::HandlerSpec& target, bool checked,
          Tolerances tolerances = {});

  /// Prints every step with its handler calls to `out` (replays use it to show the failing
  /// case's calls); nullptr: print nothing.
  void trace_to(std::ostream* out) { trace_ = out; }
  ~Harness();
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  /// One script call in the current request (`advance` also moves the clock).
  void script(const model::ScriptCall& call);
  /// Ends the current request (PHP's shutdown write and close) and starts the next one.
  void new_request(const CookieChoice& cookie);
  /// A whole other request on the current session (its id as the cookie), run to completion
  /// before the current request goes on: a second tab whose request overlaps this one. Only for
  /// last-writer-wins backends: a serialised one would block, and a merging one may refuse the
  /// later write, which the reference store (a plain map) does not model.
  void interleave(const std::vector<model::ScriptCall>& calls);
  /// Another process reads the current session. While a serialised backend's handler holds the
  /// session's lock the read must not succeed; otherwise it must read what the store holds.
  void probe();
  /// Ends the last request and audits the store through a fresh handler: existence and data of
  /// every id any call named, then every session's age (by gc thresholds, or for a TTL store by
  /// moving the clock to each expiry), then that no session the reference store does not know
  /// is left.
  void finish();

  [[nodiscard]] const std::optional<std::string>& failure() const { return failure_; }
  /// Set when the case reached an excused bug (Tolerances): it stopped there, unjudged.
  [[nodiscard]] const std::optional<std::string>& inconclusive() const { return inconclusive_; }
  [[nodiscard]] bool serialised() const { return serialised_; }
  /// interleave() is meaningful for this backend.
  [[nodiscard]] bool overlap_allowed() const { return overlap_allowed_; }
  /// Script calls, requests and probes run so far.
  [[nodiscard]] int steps() const { return steps_; }

 private:
  enum class Phase : std::uint8_t { begin, script, end };
  /// Where the case is, for failure messages; formatted only when something fails.
  struct Where {
    enum class Kind : std::uint8_t {
      first_start,
      script,
      end,
      start,
      overlap_start,
      overlap_script,
      overlap_end,
      probe,
      last_end,
      audit
    };
    Kind kind = Kind::first_start;
    int step = 0;
    std::uint64_t request = 0;
    const model::ScriptCall* call = nullptr;
    std::optional<std::string> cookie;
  };
  [[nodiscard]] std::string where_label() const;
  using CallLog = std::vector<std::tuple<model::HandlerCall, model::Answer, std::int64_t>>;
  struct Lane;
  struct LockTracker;

  static model::Proc<model::Outcome> proc_for(model::Engine& e, Phase phase,
                                              const model::ScriptCall* call);
  std::unique_ptr<Lane> open_lane(std::optional<std::string> cookie);
  void run_phase(Lane& lane, Phase phase, const model::ScriptCall* call);
  void judge_phase(Lane& lane, Phase phase, const model::ScriptCall* call, model::Outcome got);
  void emit(int request, int step, scenarios::Event::Payload payload);
  void take_judgement();
  void end_lane(Lane& lane);
  std::vector<model::Answer> perform(handlers::SessionHandler& h,
                                     const std::vector<model::HandlerCall>& calls);
  bool judged(handlers::SessionHandler& h, const std::vector<model::HandlerCall>& calls);
  void audit();
  [[nodiscard]] std::vector<model::HandlerCall> age_audit() const;
  void audit_ttl(handlers::SessionHandler& h, const model::HandlerCall& open);
  void print_trace(const model::Outcome& got) const;
  void remember_ids(const model::HandlerCall& c, const model::Answer& a);
  std::vector<std::string> track_locks();
  void excuse_gc_of_held(const std::vector<std::string>& held_at_gc,
                         const std::set<std::string>& existed);
  void fail(std::string what, std::string expected, std::string actual);
  [[nodiscard]] const std::map<std::string, model::StoredSession>& stored() const;

  CaseConfig cfg_;
  bool checked_;
  handlers::ManualClock clock_;
  std::unique_ptr<handlers::IsolatedBackend> backend_;
  bool serialised_ = false;
  /// A serialised handler whose lock is a lease (Recovery::lease): its length in ms, else 0.
  std::int64_t lease_ms_ = 0;
  /// When the current main request began (virtual time): its lock is at most this old.
  std::int64_t request_started_s_ = 0;
  bool ttl_store_ = false;
  std::int64_t ttl_s_ = 0;
  bool overlap_allowed_ = false;
  /// The judge of a checked case, and the number of the next event it gets.
  std::unique_ptr<scenarios::Judge> judge_;
  int seq_ = 0;
  model::Rng sut_rng_;
  handlers::IoPoints* points_ = nullptr;
  std::unique_ptr<handlers::IoPoints> points_owner_;
  boost::asio::io_context io_;
  std::unique_ptr<Lane> main_;
  std::unique_ptr<LockTracker> locks_;
  std::optional<std::string> jar_;
  std::set<std::string> known_ids_;
  CallLog log_;
  std::uint64_t requests_ = 0;
  int steps_ = 0;
  Where where_;
  std::optional<std::string> failure_;
  Tolerances tolerances_;
  std::ostream* trace_ = nullptr;
  std::optional<std::string> inconclusive_;
};

}  // namespace ss::properties
