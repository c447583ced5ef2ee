#include "handlers/mutants.hpp"

#include <functional>
#include <map>

namespace ss::handlers {
namespace {

// Each mutant is one realistic bug, written as a small override.

class DestroyNoop final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> destroy(std::string) override { co_return ok_status(); }
};

class ValidateAlwaysTrue final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<bool>> validate_id(std::string) override { co_return true; }
};

class GcDeletesFresh final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::int64_t>> gc(std::int64_t) override { co_return co_await inner().gc(-1); }
};

class GcNeverDeletes final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::int64_t>> gc(std::int64_t) override { co_return std::int64_t{0}; }
};

/// Symfony's StrictSessionHandler bug class: the touch rewrites the data read at start.
class TouchRewritesStale final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Result<std::string>> read(std::string id) override {
    auto r = co_await inner().read(id);
    if (r) first_read_ = r.value();
    co_return r;
  }
  Task<Status> update_timestamp(std::string id, std::string) override {
    co_return co_await inner().write(id, first_read_);
  }

 private:
  std::string first_read_;
};

class EmptyWriteNotStored final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    if (data.empty()) co_return ok_status();
    co_return co_await inner().write(id, data);
  }
};

class TruncateAtNul final : public ForwardingHandler {
 public:
  using ForwardingHandler::ForwardingHandler;
  Task<Status> write(std::string id, std::string data) override {
    co_return co_await inner().write(id, data.substr(0, data.find('\0')));
  }
};

using Wrap = std::function<std::unique_ptr<SessionHandler>(std::unique_ptr<SessionHandler>)>;

template <class M>
Wrap wrap() {
  return [](std::unique_ptr<SessionHandler> h) { return std::make_unique<M>(std::move(h)); };
}

struct Entry {
  MutantInfo info;
  Wrap wrap;
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {{"destroy-noop", "destroy() reports success but deletes nothing"}, wrap<DestroyNoop>()},
      {{"validate-always-true", "validateId() says every id exists"}, wrap<ValidateAlwaysTrue>()},
      {{"gc-deletes-fresh", "gc() deletes sessions that have not expired"}, wrap<GcDeletesFresh>()},
      {{"gc-never-deletes", "gc() deletes nothing and returns 0"}, wrap<GcNeverDeletes>()},
      {{"touch-rewrites-stale", "updateTimestamp() writes back the data read at start"},
       wrap<TouchRewritesStale>()},
      {{"empty-write-dropped", "write() of an empty session is skipped"},
       wrap<EmptyWriteNotStored>()},
      {{"truncate-at-nul", "data is cut at the first NUL byte"}, wrap<TruncateAtNul>()},
  };
  return all;
}

class MutantBackend final : public Backend {
 public:
  MutantBackend(const Entry& e, std::unique_ptr<Backend> base)
      : entry_(e), base_(std::move(base)) {}
  std::string uri() const override { return "mutant:" + entry_.info.name + "+" + base_->uri(); }
  Guarantees guarantees() const override { return base_->guarantees(); }
  std::unique_ptr<SessionHandler> connect(RequestEnv env) override {
    return entry_.wrap(base_->connect(env));
  }

 private:
  const Entry& entry_;
  std::unique_ptr<Backend> base_;
};

}  // namespace

const std::vector<MutantInfo>& mutant_catalogue() {
  static const std::vector<MutantInfo> infos = [] {
    std::vector<MutantInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

Result<std::unique_ptr<Backend>> make_mutant(const std::string& name,
                                             std::unique_ptr<Backend> base) {
  for (const auto& e : entries()) {
    if (e.info.name == name) {
      return std::unique_ptr<Backend>(std::make_unique<MutantBackend>(e, std::move(base)));
    }
  }
  return fail(ErrorCode::unsupported, "unknown mutant '" + name + "' (see sessionspec mutants --list)");
}

}  // namespace ss::handlers
