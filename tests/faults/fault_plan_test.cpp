// Faults as schedule data (sched/faults.hpp): their text in schedule strings, the options of
// `explore --faults`, and the fault decorator (handlers/testing/faulty.hpp) over a real backend.

#include <gtest/gtest.h>

#include "handlers/registry.hpp"
#include "handlers/run_task.hpp"
#include "handlers/testing/faulty.hpp"
#include "handlers/testing/mutants.hpp"
#include "sched/scheduler.hpp"

namespace ss::sched {
namespace {

using handlers::FaultKind;

TEST(FaultText, RoundTripsThroughTheScheduleString) {
  Schedule s;
  s.picks = {0, 0, 0, 1, 1, 0};
  s.faults = {Fault{1, 4, FaultKind::crash, 0}, Fault{0, 2, FaultKind::stall, 31}};
  EXPECT_EQ(s.str(), "0x3.1x2.0/1.4:crash,0.2:stall=31");
  auto back = parse_schedule(s.str());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->picks, s.picks);
  EXPECT_EQ(back->faults, s.faults);
}

TEST(FaultText, AScheduleWithoutFaultsPrintsAsBefore) {
  Schedule s;
  s.picks = {0, 0, 0, 1, 1, 0};
  EXPECT_EQ(s.str(), "0x3.1x2.0");
  EXPECT_EQ(Schedule{}.str(), "-");
  Schedule only_faults;
  only_faults.faults = {Fault{0, 1, FaultKind::skip, 0}};
  EXPECT_EQ(only_faults.str(), "-/0.1:skip");
  auto back = parse_schedule("-/0.1:skip");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->picks.empty());
  EXPECT_EQ(back->faults, only_faults.faults);
}

TEST(FaultText, MalformedFaultsAreRefused) {
  for (const char* bad : {"0/1.4", "0/1:crash", "0/1.0:crash", "0/x.1:crash", "0/1.1:boom",
                          "0/1.1:stall", "0/1.1:stall=0", "0/1.1:crash=3", "0/1.1:crash,", "0/"}) {
    EXPECT_FALSE(parse_schedule(bad).has_value()) << bad;
  }
}

TEST(FaultOptions, ParsesKindsStallsAndTheBound) {
  auto o = parse_fault_options("crash,stall=31,fail,max=2");
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o.value().kinds,
            (std::vector<FaultKind>{FaultKind::crash, FaultKind::stall, FaultKind::fail}));
  EXPECT_EQ(o.value().stalls_s, std::vector<std::int64_t>{31});
  EXPECT_EQ(o.value().faults_max, 2);
  auto all = parse_fault_options("all");
  ASSERT_TRUE(all);
  EXPECT_EQ(all.value().kinds.size(), 7U);
}

TEST(FaultOptions, BadSpecsNameTheBadPart) {
  auto unknown = parse_fault_options("crash,boom");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("boom: unknown fault"), std::string::npos);
  EXPECT_FALSE(parse_fault_options("max=0"));
  EXPECT_FALSE(parse_fault_options("crash,max=99"));
  EXPECT_FALSE(parse_fault_options("skip"));
  EXPECT_FALSE(parse_fault_options("stall=x"));
  EXPECT_FALSE(parse_fault_options(""));
}

TEST(FaultFits, CallFaultsStrikeOnlyBeforeAHandlerCall) {
  EXPECT_TRUE(fault_fits(FaultKind::fail, "read"));
  EXPECT_TRUE(fault_fits(FaultKind::busy, "write"));
  EXPECT_FALSE(fault_fits(FaultKind::fail, "start"));
  EXPECT_FALSE(fault_fits(FaultKind::reset, "yield"));
  EXPECT_TRUE(fault_fits(FaultKind::crash, "start"));
  EXPECT_TRUE(fault_fits(FaultKind::stall, "yield"));
}

TEST(ReplayPlanner, StrikesExactlyWhereThePlanSays) {
  auto p = replay_planner({Fault{1, 3, FaultKind::crash, 0}});
  p->begin(0);
  EXPECT_FALSE(p->at(1, 2, "read").has_value());
  EXPECT_FALSE(p->at(0, 3, "read").has_value());
  auto f = p->at(1, 3, "read");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->kind, FaultKind::crash);
}

TEST(RandomPlanner, IsDeterministicPerSeedAndScheduleAndDrawsOnlyFittingKinds) {
  auto o = parse_fault_options("fail,max=3").value();
  auto draw = [&](std::uint64_t seed, std::uint64_t index) {
    auto p = random_planner(o, seed);
    p->begin(index);
    std::vector<Fault> out;
    for (int point = 1; point <= 16; ++point) {
      // Only every other point is a handler call; fail fits nowhere else.
      const std::string what = point % 2 == 0 ? "read" : "yield";
      if (auto f = p->at(0, point, what)) out.push_back(*f);
    }
    return out;
  };
  EXPECT_EQ(draw(7, 3), draw(7, 3));
  bool any = false;
  for (std::uint64_t i = 0; i < 32; ++i) {
    for (const auto& f : draw(7, i)) {
      any = true;
      EXPECT_EQ(f.kind, FaultKind::fail);
      EXPECT_EQ(f.point % 2, 0) << f.str();
    }
  }
  EXPECT_TRUE(any);
}

}  // namespace
}  // namespace ss::sched

namespace ss::handlers {
namespace {

class FaultDecorator : public ::testing::Test {
 protected:
  void SetUp() override {
    register_mutants();
    register_faults();
  }
  std::unique_ptr<Backend> make(const std::string& uri) {
    auto b = make_backend(uri, 1, clock_);
    if (!b) throw std::runtime_error(b.error().reason);
    return std::move(b.value());
  }
  ManualClock clock_{1700000000};
  IoPoints points_;
};

TEST_F(FaultDecorator, ThePlannedCallFailsWithInjectedAndTheOthersReachTheBackend) {
  auto b = make("fault:read#2+memory");
  EXPECT_EQ(b->uri(), "fault:read#2+memory");
  auto h = b->connect(RequestEnv{&clock_, &points_, 1});
  ASSERT_TRUE(run_task(h->write("abc", "k|i:1;")));
  auto first = run_task(h->read("abc"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first.value(), "k|i:1;");
  auto second = run_task(h->read("abc"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::injected);
  EXPECT_NE(second.error().reason.find("read call 2"), std::string::npos);
  EXPECT_TRUE(run_task(h->read("abc")));
}

TEST_F(FaultDecorator, CountsCallsPerRequest) {
  auto b = make("fault:write+memory");
  for (std::uint64_t r = 1; r <= 2; ++r) {
    auto h = b->connect(RequestEnv{&clock_, &points_, r});
    auto w = run_task(h->write("abc", "x|i:1;"));
    ASSERT_FALSE(w) << "request " << r;
    EXPECT_EQ(w.error().code, ErrorCode::injected);
  }
}

TEST_F(FaultDecorator, FailNextStrikesOnlyTheArmedRequestOnce) {
  auto b = make("fault:none+memory");
  FaultControl* control = b->fault_control();
  ASSERT_NE(control, nullptr);
  auto h1 = b->connect(RequestEnv{&clock_, &points_, 1});
  auto h2 = b->connect(RequestEnv{&clock_, &points_, 2});
  control->fail_next(2, "injected: test");
  EXPECT_TRUE(run_task(h1->write("abc", "a|i:1;")));
  auto w = run_task(h2->write("abc", "b|i:2;"));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().reason, "injected: test");
  EXPECT_TRUE(run_task(h2->write("abc", "b|i:2;")));
}

TEST_F(FaultDecorator, BackendFaultsTheBackendCannotSufferAreRefused) {
  auto b = make("fault:none+memory");
  FaultControl* control = b->fault_control();
  ASSERT_NE(control, nullptr);
  EXPECT_FALSE(control->supports(BackendFault::reset));
  EXPECT_FALSE(control->supports(BackendFault::disk_full));
  EXPECT_FALSE(control->arm(1, BackendFault::busy));
}

TEST_F(FaultDecorator, AMutantOverItPassesTheFaultControlThrough) {
  auto b = make("mutant:read-empty-on-failure+fault:read+memory");
  ASSERT_NE(b->fault_control(), nullptr);
  auto h = b->connect(RequestEnv{&clock_, &points_, 1});
  ASSERT_TRUE(run_task(h->write("abc", "k|i:1;")));
  // CodeIgniter4 #8567: the failed read comes back as an empty session.
  auto r = run_task(h->read("abc"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r.value(), "");
}

TEST_F(FaultDecorator, MalformedPlansAreOneLineErrors) {
  for (const char* bad :
       {"fault:reed+memory", "fault:read#0+memory", "fault:read#x+memory", "fault:read,+memory"}) {
    auto b = make_backend(bad, 1, clock_);
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().reason.find('\n'), std::string::npos) << b.error().reason;
  }
}

TEST(DiskFull, WritesThatExtendAFileFailWhileItLives) {
  const std::string path = "/tmp/ss-diskfull-" + std::to_string(::getpid());
  {
    const DiskFull full;
    FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    const bool wrote = std::fputs("data", f) >= 0 && std::fflush(f) == 0;
    std::fclose(f);
    EXPECT_FALSE(wrote);
  }
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(std::fputs("data", f) >= 0 && std::fflush(f) == 0);
  std::fclose(f);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ss::handlers
