#pragma once
// Runs a handler awaitable to completion outside any coroutine: the one bridge from plain code
// into the seam's Boost.Asio coroutines (the sequential runner, the property harness, the
// explorer's store reads, and tests, benchmarks and the conformance suite (conformance/), which
// call a handler one operation at a time).

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "handlers/seam.hpp"

namespace ss::handlers {

/// Runs `task` on `io` until nothing is left to run; returns its value and rethrows what it
/// threw (co_spawn with `detached` would swallow it). `io` may be reused: it is restarted first.
/// The task must not wait for anything `io` does not run (a scheduler's parked coroutines).
namespace detail {

/// Hands a task's value out through `out`: Results are not default-constructible, which
/// co_spawn's value-carrying completion would need.
template <class T>
Task<void> store_into(std::optional<T>& out, Task<T> task) {
  out.emplace(co_await std::move(task));
}

}  // namespace detail

template <class T>
T run_task(boost::asio::io_context& io, Task<T> task) {
  std::exception_ptr failure;
  auto keep = [&failure](std::exception_ptr p) { failure = std::move(p); };
  if constexpr (std::is_void_v<T>) {
    boost::asio::co_spawn(io, std::move(task), keep);
    io.restart();
    io.run();
    if (failure) std::rethrow_exception(failure);
  } else {
    std::optional<T> out;
    boost::asio::co_spawn(io, detail::store_into(out, std::move(task)), keep);
    io.restart();
    io.run();
    if (failure) std::rethrow_exception(failure);
    return std::move(*out);
  }
}

/// run_task on a private io_context.
template <class T>
T run_task(Task<T> task) {
  boost::asio::io_context io;
  return run_task(io, std::move(task));
}

}  // namespace ss::handlers
