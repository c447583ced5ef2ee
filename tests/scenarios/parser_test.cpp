// The scenario language: what parses, and that every error names file, line and expectation.

#include <gtest/gtest.h>

#include "scenarios/scenario.hpp"

namespace ss::scenarios {
namespace {

Scenario parse_ok(const std::string& text) {
  auto r = parse_scenario(text, "t.scn");
  if (auto* e = std::get_if<ParseError>(&r)) ADD_FAILURE() << e->str();
  return std::get<Scenario>(r);
}

std::string parse_error(const std::string& text) {
  auto r = parse_scenario(text, "t.scn");
  if (auto* e = std::get_if<ParseError>(&r)) return e->str();
  ADD_FAILURE() << "parsed, but should not have";
  return {};
}

TEST(ScenarioParser, ParsesRequestsCallsAndExpectations) {
  Scenario sc = parse_ok(R"(# comment
scenario demo
ini lazy_write=0 use_strict_mode=1
variant basic
store abc "foo|s:3:\"bar\";" age_s=10
request cookie=abc
  session_start read_and_close=1   # trailing comment
  set cart {"a": 1, "7": [true, null, 1.5]}
  expect session {"cart": {"a": 1, "7": [true, null, 1.5]}}
  incr n
  session_regenerate_id true
  expect calls destroy close open create_sid read
request cookie=none name=second
  session_id "x#y"
  expect cookies 0
)");
  EXPECT_EQ(sc.name, "demo");
  ASSERT_EQ(sc.requests.size(), 2u);
  EXPECT_EQ(sc.variant, model::Variant::basic);
  ASSERT_EQ(sc.store.size(), 1u);
  EXPECT_EQ(sc.store[0].data, "foo|s:3:\"bar\";");
  EXPECT_EQ(sc.store[0].age_s, 10);
  const auto& r1 = sc.requests[0];
  EXPECT_EQ(r1.cookie_mode, Request::CookieMode::explicit_id);
  ASSERT_EQ(r1.steps.size(), 4u);
  EXPECT_EQ(r1.steps[0].call.options.at("read_and_close"), "1");
  const auto& cart = std::get<model::Array>(r1.steps[1].call.value.v);
  ASSERT_NE(cart.find(model::Key{std::int64_t{7}}), nullptr);  // "7" became an int key
  EXPECT_TRUE(r1.steps[3].call.flag);
  EXPECT_EQ(r1.steps[3].expects[0].calls.size(), 5u);
  EXPECT_EQ(sc.requests[1].steps[0].call.text, std::optional<std::string>("x#y"));
  EXPECT_EQ(sc.requests[1].expects.size(), 1u);
}

TEST(ScenarioParser, DefaultNameIsFileStem) {
  auto r = parse_scenario("request\n  session_start\n", "dir/two-tabs.scn");
  EXPECT_EQ(std::get<Scenario>(r).name, "two-tabs");
}

TEST(ScenarioParser, ErrorsNameFileLineAndWhatWasExpected) {
  EXPECT_EQ(parse_error("request\n  session_strat\n"),
            "t.scn:2: unknown script call 'session_strat' (see docs/scenario-format.md)");
  EXPECT_EQ(parse_error("ini lazy_write=maybe\nrequest\n"),
            "t.scn:1: invalid value for lazy_write: 'maybe' (want 0 or 1)");
  EXPECT_EQ(parse_error("request\n  set k {oops\n"),
            "t.scn:2: expected the value as a JSON literal, got '{oops'");
  EXPECT_EQ(parse_error("request\n  expect calls open\n"),
            "t.scn:2: 'expect calls' needs a script call above it");
  EXPECT_EQ(parse_error("# nothing\n"), "t.scn:1: expected at least one 'request'");
  EXPECT_EQ(parse_error("request\n  session_start\n  expect calls opn\n"),
            "t.scn:3: unknown handler method 'opn'");
}

TEST(ScenarioParser, FaultLinesInjectAnswersByMethodAndOccurrence) {
  Scenario sc = parse_ok(R"(request
  fault read false
  fault read#2 ""    # the second read answers an empty string
  fault write -1
  fault open null
  fault close [1]
  fault gc object
  fault destroy throw "boom"
  fault validateId throw
  fault updateTimestamp timeout
  session_start
)");
  const auto& f = sc.requests[0].faults;
  ASSERT_EQ(f.size(), 9u);
  EXPECT_EQ(f[0].method, model::Method::read);
  EXPECT_EQ(f[0].occurrence, 1);
  EXPECT_EQ(f[0].answer.kind, model::Answer::Kind::boolean);
  EXPECT_FALSE(f[0].answer.b);
  EXPECT_EQ(f[1].occurrence, 2);
  EXPECT_EQ(f[1].answer.kind, model::Answer::Kind::string);
  EXPECT_EQ(f[2].answer.n, -1);
  EXPECT_EQ(model::answer_type_name(f[3].answer), "null");
  EXPECT_EQ(model::answer_type_name(f[4].answer), "array");
  EXPECT_EQ(model::answer_type_name(f[5].answer), "stdClass");
  EXPECT_EQ(f[6].answer.reason, "RuntimeException: boom");
  EXPECT_EQ(f[7].answer.reason, "RuntimeException: injected");
  EXPECT_EQ(f[8].answer.kind, model::Answer::Kind::failure);
  for (const auto& one : f) EXPECT_TRUE(one.answer.injected) << one.source;
  EXPECT_EQ(sc.requests[0].steps.size(), 1u);  // fault lines are not script calls
}

TEST(ScenarioParser, BadFaultLinesNameFileAndLine) {
  EXPECT_EQ(parse_error("fault read false\nrequest\n"),
            "t.scn:1: 'fault' belongs inside a request (after its 'request' line)");
  EXPECT_EQ(parse_error("request\n  fault reed false\n"),
            "t.scn:2: expected 'fault METHOD[#N] ANSWER' with a handler method, got 'reed'");
  EXPECT_EQ(parse_error("request\n  fault read#0 false\n"),
            "t.scn:2: expected an occurrence 1..10000 after '#', got '0'");
  EXPECT_EQ(parse_error("request\n  fault read\n"),
            "t.scn:2: expected an answer after 'fault read'");
  EXPECT_EQ(parse_error("request\n  fault read maybe\n"),
            "t.scn:2: expected the answer (a JSON literal, object, throw or timeout) as a JSON "
            "literal, got 'maybe'");
  EXPECT_EQ(parse_error("request\n  fault read false\n  fault read#1 true\n"),
            "t.scn:3: a second fault for read#1 in the same request");
  EXPECT_EQ(parse_error("request\n  fault read throw boom\n"),
            "t.scn:2: expected the exception message as a JSON string, got 'boom'");
}

TEST(ScenarioParser, AbnormalEndsAndShutdownFunctions) {
  Scenario sc = parse_ok(R"(request register_shutdown=0
  session_start
  on_shutdown set seen 1
  on_shutdown session_regenerate_id true
  session_register_shutdown
  throw "boom"
request
  exit
request
  fatal "bad"
  exhaust_memory
)");
  const auto& r1 = sc.requests[0];
  EXPECT_FALSE(r1.register_shutdown);
  ASSERT_EQ(r1.steps[1].call.deferred.size(), 1u);
  EXPECT_EQ(r1.steps[1].call.deferred[0].op, model::Op::set);
  EXPECT_TRUE(r1.steps[2].call.deferred[0].flag);
  EXPECT_EQ(r1.steps[3].call.op, model::Op::session_register_shutdown);
  EXPECT_EQ(r1.steps[4].call.text, std::optional<std::string>("boom"));
  EXPECT_EQ(sc.requests[1].steps[0].call.op, model::Op::exit_);
  EXPECT_EQ(sc.requests[2].steps[0].call.text, std::optional<std::string>("bad"));
  EXPECT_EQ(sc.requests[2].steps[1].call.op, model::Op::exhaust_memory);
  EXPECT_TRUE(sc.requests[1].register_shutdown);
}

TEST(ScenarioParser, BadShutdownLinesNameFileAndLine) {
  EXPECT_EQ(parse_error("request\n  on_shutdown exit\n"),
            "t.scn:2: expected 'on_shutdown CALL' with a session function or $_SESSION "
            "operation, got 'exit'");
  EXPECT_EQ(parse_error("request\n  on_shutdown sett a 1\n"),
            "t.scn:2: unknown script call 'sett' (see docs/scenario-format.md)");
  EXPECT_EQ(parse_error("request register_shutdown=maybe\n"),
            "t.scn:1: unknown request option 'register_shutdown=maybe' (want cookie=ID|none, "
            "name=NAME, query=ID or register_shutdown=0|1)");
  EXPECT_EQ(parse_error("request\n  exit now\n"), "t.scn:2: 'exit' takes no arguments");
}

TEST(ScenarioParser, TheRestOfTheApi) {
  Scenario sc = parse_ok(R"(request cookie=none query=abc123
  session_encode
  session_decode "a|i:1;"
  ini_get lazy_write
  ini_set name "MYSESS"
  ini_set sid_length 40
  sid
  dump
  set o php:"O:8:\"stdClass\":1:{s:1:\"p\";i:1;}"
)");
  const auto& r = sc.requests[0];
  EXPECT_EQ(r.query, std::optional<std::string>("abc123"));
  EXPECT_EQ(r.steps[1].call.text, std::optional<std::string>("a|i:1;"));
  EXPECT_EQ(r.steps[2].call.text, std::optional<std::string>("lazy_write"));
  EXPECT_EQ(r.steps[3].call.options.at("value"), "MYSESS");
  EXPECT_EQ(r.steps[4].call.options.at("value"), "40");
  EXPECT_EQ(r.steps[5].call.op, model::Op::sid);
  const auto& o = std::get<model::Object>(r.steps[7].call.value.v);
  EXPECT_EQ(o.class_name, "stdClass");
}

TEST(ScenarioParser, BadApiLinesNameFileAndLine) {
  EXPECT_EQ(parse_error("request\n  ini_set lazy_write\n"),
            "t.scn:2: expected a value after 'ini_set lazy_write'");
  EXPECT_EQ(parse_error("request\n  ini_get\n"),
            "t.scn:2: expected a session ini name after 'ini_get'");
  EXPECT_EQ(parse_error("request\n  set o php:\"O:1:\"\n"),
            "t.scn:2: the value is not a serialize() string: malformed object");
}

TEST(ScenarioParser, MissingFileIsAnError) {
  auto r = load_scenario("/nonexistent/x.scn");
  ASSERT_TRUE(std::holds_alternative<ParseError>(r));
  EXPECT_EQ(std::get<ParseError>(r).str(), "/nonexistent/x.scn: cannot open scenario file");
}

}  // namespace
}  // namespace ss::scenarios
