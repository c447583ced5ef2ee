// certificate_json() of a real certification validates against docs/certificate.schema.json,
// without the CLI (python3-jsonschema checks it: no JSON Schema library for C++ is packaged).

#include <gtest/gtest.h>

#include <fstream>

#include "base/child_process.hpp"
#include "certify/certification.hpp"
#include "certify/scratch.hpp"
#include "tests/support/source_dir.hpp"

namespace ss::certify {
namespace {

using ss::test::source_dir;

/// The schema's complaints about `cert` (one per line), or "" when it validates.
std::string schema_errors(const nlohmann::json& cert) {
  const ScratchDir scratch("sessionspec-schema-test");
  const std::string file = scratch.path() + "/certificate.json";
  std::ofstream(file) << cert.dump(1);
  const base::ProcessResult r =
      base::run_process({"/usr/bin/python3", "-c",
                         "import json, sys\n"
                         "from jsonschema import Draft202012Validator\n"
                         "v = Draft202012Validator(json.load(open(sys.argv[1])))\n"
                         "for e in v.iter_errors(json.load(open(sys.argv[2]))):\n"
                         "    print('/'.join(map(str, e.path)) + ': ' + e.message)\n",
                         source_dir() + "/docs/certificate.schema.json", file},
                        60'000);
  if (!r.ok()) return "the validator did not run: " + r.error + r.err;
  return r.out;
}

TEST(CertificateSchema, ARealCertificateValidates) {
  Plan plan;
  plan.handlers = {"memory", "exec:php " + source_dir() + "/adapters/php/serve.php " +
                                 source_dir() + "/adapters/php/fixtures/PdoSqliteHandler.php " +
                                 "PdoSqliteHandler"};
  plan.scenario_dir = source_dir() + "/scenarios";
  plan.only = {"L1.gist", "L2.contract.php-8.2", "L3.race.race-two-tabs-counter"};
  plan.budgets.cases = 5;
  plan.budgets.schedules = 3;
  auto prepared = Certification::prepare(plan, {});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Certification>>(prepared))
      << std::get<std::string>(prepared);
  const Certificate c = std::get<std::unique_ptr<Certification>>(prepared)->run({});
  const nlohmann::json j = certificate_json(c);
  EXPECT_EQ(schema_errors(j), "");
  // The exec: handler could declare nothing: every guarantee is marked assumed.
  EXPECT_EQ(j["handler_details"][1]["name"], "exec:PdoSqliteHandler");
  EXPECT_EQ(j["handler_details"][1]["assumed"].size(), 5u);
}

TEST(CertificateSchema, RejectsWhatItMust) {
  Certificate c;
  c.tool_version = "0.1.0";
  c.tool_commit = "abc";
  c.started_at = c.finished_at = "2026-12-06T09:30:00Z";
  EXPECT_EQ(schema_errors(certificate_json(c)), "");
  nlohmann::json j = certificate_json(c);
  j.erase("seed");
  EXPECT_NE(schema_errors(j).find("'seed' is a required property"), std::string::npos);
  j = certificate_json(c);
  j["started_at"] = "yesterday";
  EXPECT_NE(schema_errors(j), "");
}

}  // namespace
}  // namespace ss::certify
