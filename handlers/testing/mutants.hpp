#pragma once
// Deliberately broken handlers: decorators over a correct backend, each a realistic bug. They
// prove that the suites catch broken handlers (a mutant that survives is a hole in the suite).
// URI: `mutant:NAME+BASE`, e.g. `mutant:destroy-noop+memory`, once register_mutants() has run.
//
// Part of handlers/testing/ (ss_handlers_testing): the core libraries never link it; the CLI (the
// mutants verb, `--handler mutant:...`), the tests and the benchmarks do.

#include <memory>
#include <string>
#include <vector>

#include "handlers/seam.hpp"

namespace ss::handlers {

/// Which bases a mutant's bug can show on, as data the battery reads.
enum class MutantApplies : std::uint8_t {
  /// Any backend.
  any,
  /// Only backends whose Guarantees say Concurrency::serialised: the bug is in lock handling,
  /// which a backend without locks cannot get wrong.
  serialised,
  /// Only last-writer-wins backends: the bug shows only when another request changes the
  /// session in the middle of this one, which a lock forbids (so it cannot show) and which a
  /// merging backend answers with conflicts the reference store does not model.
  last_writer_wins,
  /// Only stores that forget sessions through gc() (Expiry::gc_only or lazy): a TTL store's gc()
  /// does nothing, so a gc() bug cannot show there (nor can a destroy built on gc()).
  gc_collected,
  /// Only stores that declare they refuse ids outside the files charset (IdPolicy::files_charset):
  /// keeping such an id is a bug only where the handler promised to refuse it.
  refuses_odd_ids,
  /// Only when a call fails or a request crashes (`explore --faults`, certify L4): on the
  /// happy path the bug never shows, so the battery, which injects no faults, cannot judge it.
  under_faults,
};

struct MutantInfo {
  std::string name;
  std::string description;
  MutantApplies applies = MutantApplies::any;
};

/// Every mutant this build knows.
[[nodiscard]] const std::vector<MutantInfo>& mutant_catalogue();

/// Whether `info`'s bug can show on a backend with guarantees `g`.
[[nodiscard]] bool mutant_applies(const MutantInfo& info, const Guarantees& g);

/// Makes `mutant:NAME+BASE` URIs work in this program (the registry's decorator kind "mutant").
/// Idempotent; call before any thread makes backends.
void register_mutants();

/// Wraps `base` in the mutant `name`; fails for an unknown name.
[[nodiscard]] Result<std::unique_ptr<Backend>> make_mutant(const std::string& name,
                                                           std::unique_ptr<Backend> base);

/// Forwards every call to an inner handler; mutants override what they break.
class ForwardingHandler : public SessionHandler {
 public:
  explicit ForwardingHandler(std::unique_ptr<SessionHandler> inner) : inner_(std::move(inner)) {}
  Task<Status> open(std::string p, std::string n) override { return inner_->open(p, n); }
  Task<Status> close() override { return inner_->close(); }
  Task<Result<std::string>> read(std::string id) override { return inner_->read(id); }
  Task<Status> write(std::string id, std::string d) override { return inner_->write(id, d); }
  Task<Status> destroy(std::string id) override { return inner_->destroy(id); }
  Task<Result<std::int64_t>> gc(std::int64_t m) override { return inner_->gc(m); }
  Task<Result<std::string>> create_sid() override { return inner_->create_sid(); }
  Task<Result<bool>> validate_id(std::string id) override { return inner_->validate_id(id); }
  Task<Status> update_timestamp(std::string id, std::string d) override {
    return inner_->update_timestamp(id, d);
  }
  void crash() override { inner_->crash(); }

 protected:
  SessionHandler& inner() { return *inner_; }
  /// Hands the inner handler out (to keep it alive elsewhere) and forwards to `next` from now on.
  std::unique_ptr<SessionHandler> swap_inner(std::unique_ptr<SessionHandler> next) {
    std::swap(inner_, next);
    return next;
  }

 private:
  std::unique_ptr<SessionHandler> inner_;
};

}  // namespace ss::handlers
