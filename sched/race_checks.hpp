#pragma once
// The explorer's checkers. They read a schedule's events and the stored state afterwards and add
// violations; they never influence the run.

#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "sched/explorer.hpp"

namespace ss::sched {

/// Ids the scenario text names (store lines, cookie=ID, session_id "..."): compared by id.
[[nodiscard]] std::set<std::string> named_ids(const scenarios::Scenario& sc);

/// The `run` event of an explorer trace.
[[nodiscard]] scenarios::Event run_event(const scenarios::Scenario& sc, const ExploreConfig& cfg,
                                         const std::string& uri, const model::RunOptions& opts,
                                         model::Variant variant);

/// Reads every session the run touched through a fresh handler and normalises the result.
[[nodiscard]] StoreState read_state(boost::asio::io_context& io, handlers::Backend& backend,
                                    handlers::ManualClock& clock,
                                    const std::vector<scenarios::Event>& events,
                                    const std::set<std::string>& named,
                                    const model::RunOptions& opts);

/// Every task order that runs each concurrent batch serially (at most 720).
[[nodiscard]] std::vector<std::vector<int>> serial_orders(
    const std::vector<std::vector<const scenarios::Request*>>& batches,
    const scenarios::Scenario& sc);

/// progress: every request finished within the step budget; else each request's wait.
void check_progress(ScheduleRun& run);
/// isolation: a request's $_SESSION changes only through its own calls.
void check_isolation(ScheduleRun& run);
/// Set-Cookie: one on a first visit that starts a session, none for a returning visitor whose
/// id did not change (a refresh is a finding), never a changed id without a cookie.
void check_set_cookie(ScheduleRun& run);
/// strict mode: with use_strict_mode a request never adopts an id the client chose (a cookie or
/// session_id() value that no create_sid or `store` line issued).
void check_strict_mode(ScheduleRun& run, const scenarios::Scenario& sc,
                       const model::RunOptions& opts);
/// lost update / no resurrection: the final store equals the outcome of some serial order,
/// judged against the handler's declared concurrency guarantee.
void check_serializable(ScheduleRun& run, const std::vector<StoreState>& serial,
                        const scenarios::Scenario& sc, const handlers::Guarantees& g);

}  // namespace ss::sched
