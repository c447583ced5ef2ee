#include "handlers/testing/faulty.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "handlers/registry.hpp"
#include "handlers/testing/mutants.hpp"
#include "model/calls.hpp"
#include "model/fault_target.hpp"

namespace ss::handlers {
namespace {

/// A static plan's entry: the `occurrence`th call of `method` in every request fails.
using PlannedFailure = model::FaultTarget;

/// A static plan names at most this many calls (a bound on the per-call scan).
constexpr std::size_t plan_entries_max = 32;

// Entries are spelt as a scenario's `fault` lines name their call (model::parse_fault_target),
// and every planned call answers what `fault METHOD false` answers: a failure, PHP sees false.
Result<std::vector<PlannedFailure>> parse_plan(const std::string& plan) {
  std::vector<PlannedFailure> out;
  if (plan == "none") return out;
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::unsupported, "fault plan '" + plan + "': " + why +
                                            " (want none, or METHOD[#N] entries separated by "
                                            "commas, e.g. read or write#2,close)");
  };
  for (std::size_t pos = 0; pos <= plan.size();) {
    const std::size_t comma = std::min(plan.find(',', pos), plan.size());
    std::string why;
    const auto target = model::parse_fault_target(plan.substr(pos, comma - pos), why);
    if (!target) return bad(why);
    if (out.size() == plan_entries_max) {
      return bad("more than " + std::to_string(plan_entries_max) + " entries");
    }
    out.push_back(*target);
    pos = comma + 1;
  }
  return out;
}

/// What the explorer armed for one request's next call.
struct Armed {
  std::optional<BackendFault> fault;
  /// Set for a plain failure (FaultControl::fail_next).
  std::string reason;
};

/// What the handlers of one fault decorator share with it.
struct FaultyShared {
  std::vector<PlannedFailure> plan;
  std::string plan_text;
  FaultDriver* driver = nullptr;
  bool local_disk = false;
  std::map<std::uint64_t, Armed> armed;

  std::optional<Armed> take(std::uint64_t request) {
    auto it = armed.find(request);
    if (it == armed.end()) return std::nullopt;
    Armed a = std::move(it->second);
    armed.erase(it);
    return a;
  }
};

/// Holds the busy fault for one call, whatever way the call ends (a crash destroys the frame).
class BusyScope {
 public:
  explicit BusyScope(FaultDriver* driver) : driver_(driver) {}
  ~BusyScope() {
    if (driver_ != nullptr) driver_->end(BackendFault::busy);
  }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  FaultDriver* driver_;
};

// Locals are named before every co_await: g++ 12 mishandles non-trivial temporaries inside
// co_await expressions. Each method hands its inner call, not yet started (Asio awaitables are
// lazy), to guard(), which decides whether it runs.
class FaultyHandler final : public ForwardingHandler {
 public:
  FaultyHandler(std::unique_ptr<SessionHandler> inner, FaultyShared& shared, RequestEnv env)
      : ForwardingHandler(std::move(inner)), shared_(shared), env_(env) {}

  Task<Status> open(std::string p, std::string n) override {
    auto call = inner().open(p, n);
    co_return co_await guard(model::Method::open, std::move(call));
  }
  Task<Status> close() override {
    auto call = inner().close();
    co_return co_await guard(model::Method::close, std::move(call));
  }
  Task<Result<std::string>> read(std::string id) override {
    auto call = inner().read(id);
    co_return co_await guard(model::Method::read, std::move(call));
  }
  Task<Status> write(std::string id, std::string d) override {
    auto call = inner().write(id, d);
    co_return co_await guard(model::Method::write, std::move(call));
  }
  Task<Status> destroy(std::string id) override {
    auto call = inner().destroy(id);
    co_return co_await guard(model::Method::destroy, std::move(call));
  }
  Task<Result<std::int64_t>> gc(std::int64_t m) override {
    auto call = inner().gc(m);
    co_return co_await guard(model::Method::gc, std::move(call));
  }
  Task<Result<std::string>> create_sid() override {
    auto call = inner().create_sid();
    co_return co_await guard(model::Method::create_sid, std::move(call));
  }
  Task<Result<bool>> validate_id(std::string id) override {
    auto call = inner().validate_id(id);
    co_return co_await guard(model::Method::validate_id, std::move(call));
  }
  Task<Status> update_timestamp(std::string id, std::string d) override {
    auto call = inner().update_timestamp(id, d);
    co_return co_await guard(model::Method::update_timestamp, std::move(call));
  }

 private:
  template <class T>
  Task<Result<T>> guard(model::Method m, Task<Result<T>> call);
  [[nodiscard]] bool planned(model::Method m, int occurrence) const {
    for (const auto& f : shared_.plan) {
      if (f.method == m && f.occurrence == occurrence) return true;
    }
    return false;
  }

  FaultyShared& shared_;
  RequestEnv env_;
  std::array<int, 9> calls_{};
};

template <class T>
Task<Result<T>> FaultyHandler::guard(model::Method m, Task<Result<T>> call) {
  const int n = ++calls_.at(static_cast<std::size_t>(m));
  const std::string name(model::method_name(m));
  if (planned(m, n)) {
    co_return fail(ErrorCode::injected, "injected: " + name + " call " + std::to_string(n) +
                                            " fails (fault:" + shared_.plan_text + ")");
  }
  std::optional<Armed> armed = shared_.take(env_.request_id);
  if (!armed) co_return co_await std::move(call);
  if (!armed->fault) co_return fail(ErrorCode::injected, armed->reason);
  if (*armed->fault == BackendFault::disk_full) {
    const DiskFull full;
    Result<T> r = co_await std::move(call);
    co_return r;
  }
  if (*armed->fault == BackendFault::busy) {
    const BusyScope busy(shared_.driver);
    Result<T> r = co_await std::move(call);
    co_return r;
  }
  co_return co_await std::move(call);
}

class FaultyBackend final : public Backend, public FaultControl {
 public:
  FaultyBackend(std::vector<PlannedFailure> plan, std::string plan_text,
                std::unique_ptr<Backend> base)
      : base_(std::move(base)) {
    shared_.plan = std::move(plan);
    shared_.plan_text = std::move(plan_text);
    shared_.driver = base_->fault_driver();
    shared_.local_disk = base_->guarantees().faults.local_disk;
  }
  [[nodiscard]] std::string uri() const override {
    return std::string(fault_decorator) + ":" + shared_.plan_text + "+" + base_->uri();
  }
  [[nodiscard]] Guarantees guarantees() const override { return base_->guarantees(); }
  [[nodiscard]] std::map<std::string, std::string> declared_by() const override {
    return base_->declared_by();
  }
  [[nodiscard]] model::Capabilities capabilities() const override { return base_->capabilities(); }
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override {
    return std::make_unique<FaultyHandler>(base_->connect(env), shared_, env);
  }
  [[nodiscard]] FaultControl* fault_control() override { return this; }
  [[nodiscard]] FaultDriver* fault_driver() override { return shared_.driver; }

  void fail_next(std::uint64_t request_id, std::string reason) override {
    shared_.armed[request_id] = Armed{std::nullopt, std::move(reason)};
  }
  [[nodiscard]] bool supports(BackendFault f) const override {
    if (f == BackendFault::disk_full) return shared_.local_disk;
    return shared_.driver != nullptr && shared_.driver->supports(f);
  }
  Status arm(std::uint64_t request_id, BackendFault f) override {
    if (!supports(f)) {
      return fail(ErrorCode::unsupported, base_->uri() + " cannot suffer a " +
                                              std::string(backend_fault_name(f)) + " fault");
    }
    // A reset happens now; busy and a full disk last for the request's next call.
    if (f == BackendFault::reset) return shared_.driver->begin(f, request_id);
    if (f == BackendFault::busy) {
      if (Status held = shared_.driver->begin(f, request_id); !held) return held;
    }
    shared_.armed[request_id] = Armed{f, {}};
    return ok_status();
  }
  void clear() override {
    shared_.armed.clear();
    if (shared_.driver != nullptr && shared_.driver->supports(BackendFault::busy)) {
      shared_.driver->end(BackendFault::busy);
    }
  }

 private:
  std::unique_ptr<Backend> base_;
  FaultyShared shared_;
};

}  // namespace

Result<std::unique_ptr<Backend>> make_faulty(const std::string& plan,
                                             std::unique_ptr<Backend> base) {
  auto parsed = parse_plan(plan);
  if (!parsed) return parsed.error();
  return std::unique_ptr<Backend>(
      std::make_unique<FaultyBackend>(std::move(parsed.value()), plan, std::move(base)));
}

void register_faults() {
  DecoratorKind kind;
  kind.kind = fault_decorator;
  kind.check = [](const std::string& plan) -> Status {
    auto parsed = parse_plan(plan);
    if (!parsed) return parsed.error();
    return ok_status();
  };
  kind.wrap = make_faulty;
  register_decorator(std::move(kind));
}

HandlerSpec with_fault_decorator(HandlerSpec spec) {
  const bool decorated =
      std::any_of(spec.decorators.begin(), spec.decorators.end(),
                  [](const DecoratorSpec& d) { return d.kind == fault_decorator; });
  if (!decorated) spec.decorators.push_back({fault_decorator, "none"});
  return spec;
}

}  // namespace ss::handlers
