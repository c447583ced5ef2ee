// `sessionspec certify`: option parsing and printing. What runs, how rows are judged and what
// the certificate holds is the certify/ library (docs/certify.md).

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "base/printable.hpp"
#include "certify/certification.hpp"
#include "cli/commands.hpp"
#include "cli/verbs.hpp"
#include "oracle/race_runner.hpp"

namespace ss::cli {

namespace {

struct CertifyOptions {
  certify::Plan plan;
  certify::HandlerSets sets;
};

void progress(const std::string& line) {
  if (::isatty(2)) {
    fmt::print(stderr, "\r\033[K{}", line.substr(0, 100));
  } else {
    fmt::print(stderr, "certify: {}\n", line);
  }
}

/// `text` in at most `width` characters: URIs that differ only at the end (redis modes, phpredis
/// lock settings) keep their head and their tail.
std::string elide(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  const std::size_t head = (width - 2) * 2 / 5;
  return text.substr(0, head) + ".." + text.substr(text.size() - (width - 2 - head));
}

void print_table(const certify::Certificate& c) {
  fmt::print("\n{:<28} {:<34} {:<8} {}\n", "handler", "property", "verdict", "evidence");
  for (const auto& r : c.rows) {
    std::string evidence = base::printable(r.evidence.substr(0, r.evidence.find('\n')));
    if (evidence.size() > 90) evidence = evidence.substr(0, 87) + "...";
    fmt::print("{:<28} {:<34} {:<8} {}\n", elide(r.handler, 28), r.property.substr(0, 34),
               certify::verdict_name(r.verdict), evidence);
    if (!r.replay.empty()) fmt::print("{:<28} {:<34} {:<8} replay: {}\n", "", "", "", r.replay);
  }
  const auto count = [&](certify::Verdict v) {
    return std::count_if(c.rows.begin(), c.rows.end(),
                         [v](const certify::Row& r) { return r.verdict == v; });
  };
  const auto failed = count(certify::Verdict::fail);
  const auto errors = count(certify::Verdict::error);
  // An error row is neither passed nor failed: it could not judge.
  fmt::print("\n{} passed, {} failed{}\n", std::ssize(c.rows) - failed - errors, failed,
             errors ? fmt::format(", {} could not judge (error)", errors) : "");
}

int certify_command(const CertifyOptions& o) {
  auto prepared = certify::Certification::prepare(o.plan, o.sets);
  if (auto* e = std::get_if<std::string>(&prepared)) return input_error(*e);
  certify::Certification& run = *std::get<std::unique_ptr<certify::Certification>>(prepared);
  const certify::Plan& plan = run.plan();
  fmt::print("seed={} level=L{} cases={} schedules={} handlers={}\n", plan.seed, plan.level,
             plan.budgets.cases, plan.budgets.schedules, plan.handlers.size());
  const certify::Certificate cert = run.run(progress);
  if (::isatty(2)) fmt::print(stderr, "\r\033[K");
  print_table(cert);
  if (auto e = run.write_outputs(cert)) return input_error(*e);
  if (!plan.report_dir.empty()) {
    fmt::print("report: {}\n", (std::filesystem::path(plan.report_dir) / "report.html").string());
  }
  switch (certify::outcome(certify::verdicts(cert))) {
    case certify::Outcome::certified: return exit_ok;
    case certify::Outcome::not_certified: return exit_conformance;
    case certify::Outcome::incomplete: return exit_internal;
  }
  return exit_internal;
}

}  // namespace

Verb register_certify(CLI::App& app) {
  auto o = std::make_shared<CertifyOptions>();
  certify::Plan& p = o->plan;
  CLI::App* cmd = app.add_subcommand(
      "certify",
      "Certify handlers: life-cycle scenarios (L1), storage contract (L2), declared "
      "concurrency guarantee (L3); certificate table, JUnit XML, HTML report");
  cmd->add_option("--handler", p.handlers, "Handler URI to certify (repeatable)");
  cmd->add_flag("--all", o->sets.all,
                "Certify every built-in handler this machine can run "
                "(Redis modes when REDIS_PORT names a server on 127.0.0.1)");
  cmd->add_option("--report", p.report_dir, "Write certificate.json, traces and report.html here");
  cmd->add_option("--junit", p.junit_file, "Write JUnit XML here");
  cmd->add_option("--level", p.level, "Highest level required: 1, 2 or 3")
      ->check(integer_in(1, certify::level_max))
      ->default_val(3);
  cmd->add_option("--seed", p.seed, "Seed of every generated case and schedule")
      ->check(integer_in(0, seed_max))
      ->default_val(1);
  cmd->add_option("--cases", p.budgets.cases, "Property cases per engine profile (L2)")
      ->check(integer_in(1, certify::cases_max))
      ->default_val(100);
  cmd->add_option("--schedules", p.budgets.schedules, "Schedules per race scenario (L3)")
      ->check(integer_in(1, certify::schedules_max))
      ->default_val(100);
  cmd->add_option("--scenarios", p.scenario_dir, "Folder with gist/, lesson/, php/ and races/");
  cmd->add_option("--only", p.only,
                  "Run only the properties whose id starts with this (repeatable), e.g. L1 or "
                  "L3.race.race-two-tabs-counter");
  cmd->add_flag("--php-modules", o->sets.php_modules,
                "Certify PHP's own session modules: php:files and, when REDIS_PORT names a "
                "redis-server on 127.0.0.1, phpredis without locking, with its default lock and "
                "with a lock that waits; when REDIS_CLUSTER_SEEDS names the nodes of a Redis "
                "Cluster (HOST:PORT,...), phpredis's rediscluster module "
                "(docs/certified-handlers.md)");
  cmd->add_option("--process-schedules", p.budgets.process_schedules,
                  "Schedules of real PHP processes per race scenario (php: handlers, L3)")
      ->default_val(8)
      ->check(integer_in(1, certify::process_schedules_max));
  cmd->add_option("--block-ms", p.budgets.block_ms,
                  "php: handlers, L3: a process slower than this for one step is blocked (a lock)")
      ->default_val(oracle::RaceLimits{}.block_ms)
      ->check(integer_in(certify::block_ms_min, certify::block_ms_max));
  cmd->add_option("--jobs", p.budgets.jobs,
                  "php: handlers, L2: PHP workers running generated cases at once (0: one per "
                  "core)")
      ->default_val(0)
      ->check(integer_in(0, certify::jobs_max));
  return {cmd, [o] { return certify_command(*o); }};
}

}  // namespace ss::cli
