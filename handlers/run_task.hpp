#pragma once
// Runs one handler awaitable to completion on a private io_context: for tests, benchmarks and the
// conformance suite (conformance/), which call a handler one operation at a time. The runner and
// the explorer drive many requests on one io_context of their own instead.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <utility>

#include "handlers/seam.hpp"

namespace ss::handlers {

/// The awaitable's result; an exception that escaped it is rethrown here.
template <class T>
T run_task(Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  std::exception_ptr failure;
  // Results are not default-constructible, so the value is handed out through `out`.
  auto wrapper = [&out, t = std::move(task)]() mutable -> Task<void> {
    out.emplace(co_await std::move(t));
  };
  boost::asio::co_spawn(io, wrapper(), [&](std::exception_ptr p) { failure = p; });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace ss::handlers
