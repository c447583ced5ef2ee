#pragma once
// The tests' spelling of handlers::run_task (handlers/run_task.hpp).

#include "handlers/run_task.hpp"

namespace ss::testing_support {

using handlers::run_task;

}  // namespace ss::testing_support
