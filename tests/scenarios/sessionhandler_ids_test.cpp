// SessionHandler::create_sid() is PHP's own id maker: in the sessionhandler variant the ids follow
// session.sid_length and session.sid_bits_per_character, whatever the handler's own create_sid
// would make.

#include <gtest/gtest.h>

#include "handlers/memory_handler.hpp"
#include "scenarios/runner.hpp"

namespace ss::scenarios {
namespace {

/// The ids create_sid answered.
class CreatedIds final : public Listener {
 public:
  void on_event(const Event& e) override {
    if (e.kind() == EventKind::handler && e.handler().call.method == model::Method::create_sid) {
      ids.push_back(e.handler().answer.s);
    }
  }
  std::vector<std::string> ids;
};

std::vector<std::string> created_ids(model::Variant variant, const std::string& length,
                                     const std::string& bits) {
  auto parsed = parse_scenario("request\n  session_start\n  session_regenerate_id\n", "t.scn");
  const Scenario& sc = std::get<Scenario>(parsed);
  handlers::ManualClock clock(0);
  handlers::MemoryBackend backend(1, clock);
  RunConfig cfg;
  cfg.variant = variant;
  cfg.ini = {{"sid_length", length}, {"sid_bits_per_character", bits}};
  CreatedIds ids;
  auto ran = run_scenario(sc, cfg, backend, clock, {&ids});
  EXPECT_TRUE(ran) << ran.error().message;
  return ids.ids;
}

TEST(SessionHandlerVariant, CreateSidFollowsSidLengthAndBits) {
  const auto ids = created_ids(model::Variant::sessionhandler, "40", "6");
  ASSERT_EQ(ids.size(), 2u);  // session_start, session_regenerate_id
  const std::string b64 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,-";
  for (const auto& id : ids) {
    EXPECT_EQ(id.size(), 40u) << id;
    EXPECT_EQ(id.find_first_not_of(b64), std::string::npos) << id;
  }
  const auto hex = created_ids(model::Variant::sessionhandler, "22", "4");
  ASSERT_EQ(hex.size(), 2u);
  for (const auto& id : hex) {
    EXPECT_EQ(id.size(), 22u) << id;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  }
}

TEST(SessionHandlerVariant, AFullHandlerMakesItsOwnIds) {
  // The memory handler's create_sid makes 26 characters whatever the ini says.
  for (const auto& id : created_ids(model::Variant::full, "40", "6")) EXPECT_EQ(id.size(), 26u);
}

}  // namespace
}  // namespace ss::scenarios
