// A session manager that keeps one $_SESSION per process: the lesson's bug. Request A yields, B's
// session_start replaces the shared array, A resumes and reads B's data.

#include "model/engine.hpp"

namespace ss::model {
namespace {

class SharedSlotEngine final : public Engine {
 public:
  SharedSlotEngine(std::unique_ptr<Engine> inner, std::shared_ptr<std::optional<Array>> slot)
      : inner_(std::move(inner)), slot_(std::move(slot)) {}

  Proc<Outcome> begin_request() override { return wrap(inner_->begin_request()); }
  Proc<Outcome> script(const ScriptCall& call) override { return wrap(inner_->script(call)); }
  Proc<Outcome> end_request() override { return wrap(inner_->end_request()); }

  Status status() const override { return inner_->status(); }
  std::string session_id() const override { return inner_->session_id(); }
  const std::optional<Array>& session() const override { return inner_->session(); }
  std::vector<std::string> set_cookies() const override { return inner_->set_cookies(); }
  void set_session(std::optional<Array> s) override { inner_->set_session(std::move(s)); }

 private:
  // The engine sees the process-wide array when it resumes and publishes its own when it
  // suspends; what another request did in between is what it finds.
  Proc<Outcome> wrap(Proc<Outcome> proc) {
    inner_->set_session(*slot_);
    Outcome out = co_await std::move(proc);
    *slot_ = inner_->session();
    co_return out;
  }

  std::unique_ptr<Engine> inner_;
  std::shared_ptr<std::optional<Array>> slot_;
};

}  // namespace

std::unique_ptr<Engine> make_shared_slot_engine(std::unique_ptr<Engine> inner,
                                                std::shared_ptr<std::optional<Array>> slot) {
  return std::make_unique<SharedSlotEngine>(std::move(inner), std::move(slot));
}

}  // namespace ss::model
