// The certificate's machine-readable forms: certificate.json and JUnit XML.

#include "certify/certificate.hpp"

#include <gtest/gtest.h>

#include <sstream>

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
  r.time_ms = 1500;
  return r;
}

Certificate sample() {
  Certificate c;
  c.rows = {row("memory", "L1.gist", Verdict::pass, "4/4 scenarios agree"),
            row("memory", "L3.race.two-tabs", Verdict::finding, "lost-update (allowed)"),
            row("files", "L1.gist", Verdict::fail, "expected <true> & got \"false\"",
                "sessionspec check x.scn")};
  return c;
}

TEST(CertificateJson, ListsHandlersPropertiesAndVerdicts) {
  const nlohmann::json j = certificate_json(sample());
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["handlers"], nlohmann::json({"memory", "files"}));
  ASSERT_EQ(j["properties"].size(), 2u);
  EXPECT_EQ(j["properties"][1]["id"], "L3.race.two-tabs");
  EXPECT_EQ(j["properties"][1]["level"], 3);
  ASSERT_EQ(j["verdicts"].size(), 3u);
  EXPECT_EQ(j["verdicts"][1]["verdict"], "finding");
  EXPECT_EQ(j["verdicts"][2]["replay"], "sessionspec check x.scn");
}

TEST(Junit, OneSuitePerHandlerAndFailuresAsFailures) {
  std::ostringstream out;
  write_junit(out, sample());
  const std::string xml = out.str();
  EXPECT_NE(xml.find("<testsuite name=\"files\" tests=\"1\" failures=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"memory\" tests=\"2\" failures=\"0\""), std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"expected &lt;true&gt; &amp; got &quot;false&quot;\">"),
            std::string::npos);
  EXPECT_NE(xml.find("replay: sessionspec check x.scn</failure>"), std::string::npos);
  EXPECT_NE(xml.find("time=\"1.500\""), std::string::npos);
}

TEST(Junit, ControlCharactersNeverReachTheXml) {
  EXPECT_EQ(xml_escape(std::string("a\x01"
                                   "b\tc",
                                   5)),
            "a?b\tc");
}

}  // namespace
}  // namespace ss::certify
