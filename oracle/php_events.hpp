#pragma once
// PHP's traces as the framework's events: the JSON lines the harness writes (oracle/README.md,
// "Output") turned back into scenarios::Event, so that the judge of in-process runs
// (scenarios/judge.hpp) judges real PHP unchanged.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "scenarios/events.hpp"
#include "scenarios/scenario.hpp"

namespace ss::oracle {

/// Converts the trace events of `sc`'s requests, as PHP wrote them (real ids; `request` is the
/// scenario's 1-based request number). Script events point at the scenario's calls; every
/// event gets the request's lane. Handler events carry the virtual clock: the scenario's start,
/// moved by each `advance` PHP ran (the requests' order in `php` is the order time passed in).
/// An event that does not fit the scenario or the format is an error naming the line.
[[nodiscard]] base::Result<std::vector<scenarios::Event>> events_from_php(
    const scenarios::Scenario& sc, const std::vector<nlohmann::json>& php);

}  // namespace ss::oracle
