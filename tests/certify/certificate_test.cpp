// The certificate's machine-readable forms: certificate.json and JUnit XML (parsed back with a
// small reader, so that the assertions are about the XML, not about its spelling).

#include "certify/certificate.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "certify/handlers.hpp"
#include "handlers/testing/mutants.hpp"

namespace ss::certify {
namespace {

Row row(std::string handler, std::string property, Verdict v, std::string evidence,
        std::string replay = "") {
  Row r;
  r.handler = std::move(handler);
  r.property = std::move(property);
  r.title = "title of " + r.property;
  r.level = r.property[1] - '0';
  r.verdict = v;
  r.evidence = std::move(evidence);
  r.replay = std::move(replay);
  r.engine = "php-8.2";
  r.time_ms = 1500;
  return r;
}

HandlerRecord handler(std::string name) {
  HandlerRecord h;
  h.name = name;
  h.uri = name;
  h.kind = "in-process";
  return h;
}

Certificate sample() {
  Certificate c;
  c.tool_version = "0.1.0";
  c.tool_commit = "abc";
  c.started_at = c.finished_at = "2026-12-06T09:30:00Z";
  c.handlers = {handler("memory"), handler("files")};
  c.rows = {row("memory", "L1.gist", Verdict::pass, "4/4 scenarios agree"),
            row("memory", "L3.race.two-tabs", Verdict::finding, "lost-update (allowed)"),
            row("files", "L1.gist", Verdict::fail, "expected <true> & got \"false\"",
                "sessionspec check x.scn"),
            row("files", "L3.race.two-tabs", Verdict::error, "redis: connection refused")};
  return c;
}

/// The text between `<tag ...>` and `</tag>` (or the tag itself when empty) inside the
/// testcase of `handler` and `property`; "" when there is none.
std::string element(const std::string& xml, const std::string& handler, const std::string& property,
                    const std::string& tag) {
  const std::string head = "<testcase classname=\"" + handler + "\" name=\"" + property + "\"";
  const std::size_t at = xml.find(head);
  if (at == std::string::npos) return "";
  const std::size_t end = xml.find("</testcase>", at);
  const std::size_t open = xml.find("<" + tag, at);
  if (open == std::string::npos || open > end) return "";
  const std::size_t close = xml.find("</" + tag + ">", open);
  if (close == std::string::npos || close > end)
    return xml.substr(open, xml.find('>', open) - open + 1);
  return xml.substr(open, close + tag.size() + 3 - open);
}

TEST(CertificateJson, KeepsTheFieldsTheReportReads) {
  const nlohmann::json j = certificate_json(sample());
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["handlers"], nlohmann::json({"memory", "files"}));
  ASSERT_EQ(j["properties"].size(), 2u);
  EXPECT_EQ(j["properties"][1]["id"], "L3.race.two-tabs");
  EXPECT_EQ(j["properties"][1]["level"], 3);
  ASSERT_EQ(j["verdicts"].size(), 4u);
  EXPECT_EQ(j["verdicts"][1]["verdict"], "finding");
  EXPECT_EQ(j["verdicts"][2]["replay"], "sessionspec check x.scn");
  EXPECT_TRUE(j["verdicts"][0]["replay"].is_null());
}

TEST(CertificateJson, DescribesTheRun) {
  Certificate c = sample();
  c.seed = 7;
  c.budgets.cases = 12;
  c.only = {"L1"};
  c.php_version = "8.2.36";
  c.handlers[1].assumed = all_guarantee_fields();
  const nlohmann::json j = certificate_json(c);
  EXPECT_EQ(j["tool"]["version"], "0.1.0");
  EXPECT_EQ(j["tool"]["commit"], "abc");
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["budgets"]["cases"], 12);
  EXPECT_EQ(j["only"], nlohmann::json({"L1"}));
  EXPECT_EQ(j["php_version"], "8.2.36");
  EXPECT_EQ(j["started_at"], "2026-12-06T09:30:00Z");
  EXPECT_EQ(j["engines"], nlohmann::json({"php-8.2"}));
  EXPECT_EQ(j["outcome"], "not_certified");
  EXPECT_EQ(j["handler_details"][0]["guarantees"]["concurrency"], "last-writer-wins");
  EXPECT_EQ(j["handler_details"][1]["assumed"].size(), 5u);
}

TEST(CertificateJson, LevelAchievedNeedsEveryLevelBelowHeldAndComplete) {
  Certificate c = sample();
  c.level_requested = 3;
  c.rows.push_back(row("memory", "L2.contract.php-8.2", Verdict::pass, "100 cases"));
  EXPECT_EQ(level_achieved(c, "memory"), 3);
  EXPECT_EQ(level_achieved(c, "files"), 0);  // L1 failed.
  EXPECT_EQ(level_achieved(c), 0);
  c.handlers[0].filtered_levels = {2};  // --only left an L2 row out.
  EXPECT_EQ(level_achieved(c, "memory"), 1);
  c.level_requested = 1;
  c.handlers[0].filtered_levels.clear();
  EXPECT_EQ(level_achieved(c, "memory"), 1);
}

TEST(CertificateJson, BytesAreReadableAndValidUtf8) {
  Certificate c = sample();
  c.rows[0].evidence = std::string("caf\xc3\xa9 \xff\x01 ok\n", 12);
  const nlohmann::json j = certificate_json(c);
  EXPECT_EQ(j["verdicts"][0]["evidence"].get<std::string>(), "caf\xc3\xa9 \\xff\\x01 ok\n");
  EXPECT_NO_THROW((void)j.dump());
}

TEST(Junit, FailuresErrorsAndFindingsAreVisibleAsSuch) {
  std::ostringstream out;
  write_junit(out, sample());
  const std::string xml = out.str();
  EXPECT_NE(xml.find("<testsuite name=\"files\" tests=\"2\" failures=\"1\" errors=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_EQ(element(xml, "files", "L1.gist", "failure"),
            "<failure message=\"expected &lt;true&gt; &amp; got &quot;false&quot;\">expected "
            "&lt;true&gt; &amp; got &quot;false&quot;\nreplay: sessionspec check x.scn</failure>");
  EXPECT_NE(element(xml, "files", "L3.race.two-tabs", "error").find("connection refused"),
            std::string::npos);
  EXPECT_EQ(element(xml, "memory", "L3.race.two-tabs", "skipped"),
            "<skipped message=\"finding: lost-update (allowed)\"/>");
  EXPECT_NE(element(xml, "memory", "L3.race.two-tabs", "properties")
                .find("<property name=\"verdict\" value=\"finding\"/>"),
            std::string::npos);
  EXPECT_EQ(element(xml, "memory", "L1.gist", "failure"), "");
  EXPECT_EQ(element(xml, "memory", "L1.gist", "skipped"), "");
  EXPECT_NE(xml.find("time=\"1.500\""), std::string::npos);
}

TEST(Junit, BytesAreEscapedReadably) {
  EXPECT_EQ(xml_escape(std::string("a\x01"
                                   "b\tc\xff<",
                                   7)),
            "a\\x01b\tc\\xff&lt;");
  EXPECT_EQ(xml_escape("caf\xc3\xa9"), "caf\xc3\xa9");
  // An overlong encoding of '/' and a lone continuation byte are not UTF-8.
  EXPECT_EQ(xml_escape("\xc0\xaf\x80"), "\\xc0\\xaf\\x80");
}

TEST(Handlers, DisplayNamesHoldNoPathsHostsOrPorts) {
  handlers::register_mutants();
  EXPECT_EQ(display_name("memory"), "memory");
  EXPECT_EQ(display_name("files:/tmp/sessionspec-certify-Ab12Cd"), "files");
  EXPECT_EQ(display_name("sqlite:/tmp/x/sessions.db?lock=transactional"),
            "sqlite?lock=transactional");
  EXPECT_EQ(display_name("redis://127.0.0.1:6391?mode=lock"), "redis?mode=lock");
  EXPECT_EQ(display_name("table:sessionspec-prop"), "table");
  EXPECT_EQ(display_name("php:files"), "php:files");
  EXPECT_EQ(display_name("php:redis://127.0.0.1:6391?locking=1&lock_retries=-1"),
            "php:redis?locking=1&lock_retries=-1");
  EXPECT_EQ(display_name("exec:php adapters/php/serve.php adapters/php/fixtures/"
                         "PdoSqliteHandler.php PdoSqliteHandler?timeout_ms=2000"),
            "exec:PdoSqliteHandler");
  EXPECT_EQ(display_name("exec:/usr/local/bin/my-handler"), "exec:my-handler");
  EXPECT_EQ(display_name("mutant:destroy-noop+files:/tmp/x"), "mutant:destroy-noop+files");
}

TEST(Handlers, OnlyExecHandlersHaveAssumedGuarantees) {
  handlers::register_mutants();
  EXPECT_TRUE(assumed_guarantees("memory").empty());
  EXPECT_TRUE(assumed_guarantees("redis://127.0.0.1:1?mode=lock").empty());
  EXPECT_EQ(assumed_guarantees("exec:php serve.php H.php H"), all_guarantee_fields());
  EXPECT_EQ(assumed_guarantees("mutant:destroy-noop+exec:x"), all_guarantee_fields());
}

}  // namespace
}  // namespace ss::certify
