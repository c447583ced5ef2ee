#pragma once
// The one factory type: a fresh backend for one run (an explored schedule, a property case, a
// conformance test, a certified race) on that run's clock, with the run's seed. The registry makes
// factories of isolated instances (handlers::isolated_factory); tests may write their own.

#include <cstdint>
#include <functional>
#include <memory>

#include "handlers/seam.hpp"

namespace ss::handlers {

using BackendFactory =
    std::function<Result<std::unique_ptr<Backend>>(Clock& clock, std::uint64_t seed)>;

}  // namespace ss::handlers
