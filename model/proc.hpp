#pragma once
// Sans-I/O coroutines for the engine models. An engine procedure is written as straight-line code
// (`auto a = co_await ask(call);`) but never performs the call itself: awaiting a HandlerCall
// suspends the whole procedure stack and hands the call to whoever drives the Machine, which
// resumes it with the handler's Answer. This keeps model/ free of I/O and lets the same engine be
// driven by a real handler, by the reference store, by real PHP's trace or by the scheduler.

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "model/calls.hpp"

namespace ss::model {

/// Shared between the procedures of one Machine: the call waiting for an answer and the frame
/// that waits for it.
struct ProcLink {
  std::optional<HandlerCall> pending;
  /// The answer PHP itself gives to the pending call, when the call does not reach the store
  /// (SessionHandler's own create_sid and sanity checks, variant sessionhandler): the driver
  /// answers with it instead of asking the handler.
  std::optional<Answer> preset;
  std::optional<Answer> answer;
  std::coroutine_handle<> waiting;
};

/// A model procedure returning T. Procedures nest by co_await; only Machine runs the outermost.
template <class T>
class [[nodiscard]] Proc {
 public:
  struct promise_type {
    std::optional<T> value;
    std::coroutine_handle<> continuation;
    ProcLink* link = nullptr;

    Proc get_return_object() {
      return Proc(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        auto next = h.promise().continuation;
        return next ? next : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_value(T v) { value = std::move(v); }
    // The model never throws; an exception here is a bug, and terminate keeps it loud.
    void unhandled_exception() { std::terminate(); }
  };

  explicit Proc(std::coroutine_handle<promise_type> h) : handle_(h) {}
  Proc(Proc&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Proc& operator=(Proc&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Proc(const Proc&) = delete;
  Proc& operator=(const Proc&) = delete;
  ~Proc() { destroy(); }

  // Awaiting a sub-procedure: it inherits the link and resumes us when it finishes.
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
    handle_.promise().continuation = parent;
    handle_.promise().link = parent.promise().link;
    return handle_;
  }
  T await_resume() { return std::move(*handle_.promise().value); }

  std::coroutine_handle<promise_type> handle() const { return handle_; }

 private:
  void destroy() {
    if (handle_) handle_.destroy();
  }
  std::coroutine_handle<promise_type> handle_;
};

/// The awaiter that suspends a procedure stack on a handler call. It holds only a pointer: g++ 12
/// mishandles awaiters that own non-trivial members (it destroys a bitwise copy, freeing the
/// call's strings twice), so the call itself lives in the awaiting frame.
struct AskRef {
  HandlerCall* call;
  /// PHP's own answer (ProcLink::preset), or null.
  Answer* preset = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    link_ = h.promise().link;
    link_->pending = std::move(*call);
    if (preset) link_->preset = std::move(*preset);
    link_->waiting = h;
  }
  Answer await_resume() {
    Answer a = std::move(*link_->answer);
    link_->answer.reset();
    return a;
  }
  ProcLink* link_ = nullptr;
};

/// `co_await ask_call(call)` inside a Proc: suspends until the driver supplies the Answer.
inline Proc<Answer> ask_call(HandlerCall call) {
  HandlerCall local = std::move(call);
  co_return co_await AskRef{&local};
}

/// A call whose answer PHP gives itself (ProcLink::preset); the driver still reports the call.
inline Proc<Answer> ask_preset(HandlerCall call, Answer preset) {
  HandlerCall local = std::move(call);
  Answer local_preset = std::move(preset);
  co_return co_await AskRef{&local, &local_preset};
}

/// `co_await ask(Method::read, id)`. Builds the argument vector outside any coroutine: g++ 12
/// also rejects brace-initialised vectors inside co_await expressions ("array used as
/// initializer").
template <class... S>
Proc<Answer> ask(Method m, S&&... args) {
  std::vector<std::string> v;
  v.reserve(sizeof...(S));
  (v.emplace_back(std::forward<S>(args)), ...);
  return ask_call(HandlerCall{m, std::move(v)});
}

/// Runs one outermost procedure: start(), then while pending() answer it with resume().
template <class T>
class Machine {
 public:
  explicit Machine(Proc<T> proc) : proc_(std::move(proc)) {
    proc_.handle().promise().link = &link_;
  }
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  /// Runs until the first handler call or completion.
  void start() { proc_.handle().resume(); }
  /// The handler call awaiting an answer, or nullptr when the procedure has finished.
  [[nodiscard]] const HandlerCall* pending() const {
    return link_.pending ? &*link_.pending : nullptr;
  }
  /// PHP's own answer to pending(), when it has one (ProcLink::preset), or nullptr.
  [[nodiscard]] const Answer* preset() const { return link_.preset ? &*link_.preset : nullptr; }
  /// Supplies the answer to pending() and runs until the next call or completion.
  void resume(Answer answer) {
    link_.pending.reset();
    link_.preset.reset();
    link_.answer = std::move(answer);
    auto h = std::exchange(link_.waiting, {});
    h.resume();
  }
  [[nodiscard]] bool done() const { return proc_.handle().done(); }
  /// The result; only valid when done().
  [[nodiscard]] T result() { return std::move(*proc_.handle().promise().value); }

 private:
  ProcLink link_;
  Proc<T> proc_;
};

}  // namespace ss::model
