#pragma once
// Runs one handler awaitable to completion on a private io_context (tests only).

#include <exception>
#include <optional>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "handlers/seam.hpp"

namespace ss::testing_support {

template <class T>
T run_task(handlers::Task<T> task) {
  boost::asio::io_context io;
  std::optional<T> out;
  std::exception_ptr failure;
  // Results are not default-constructible, so the value is handed out through `out`.
  auto wrapper = [&out, t = std::move(task)]() mutable -> handlers::Task<void> {
    out.emplace(co_await std::move(t));
  };
  boost::asio::co_spawn(io, wrapper(), [&](std::exception_ptr p) { failure = p; });
  io.run();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace ss::testing_support
