#pragma once
// Runs one handler awaitable to completion on a private io_context (tests only): the project's
// one helper, handlers::run_task.

#include "handlers/run_task.hpp"

namespace ss::testing_support {

using handlers::run_task;

}  // namespace ss::testing_support
