// `sessionspec certify`: option parsing and printing. What runs, how rows are judged and what
// the certificate holds is the certify/ library (docs/certify.md).

#include <fmt/core.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "base/printable.hpp"
#include "certify/certification.hpp"
#include "cli/budget.hpp"
#include "cli/certificate_table.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/shard_option.hpp"
#include "cli/verbs.hpp"
#include "oracle/race_runner.hpp"

namespace ss::cli {

namespace {

struct CertifyOptions {
  certify::Plan plan;
  certify::HandlerSets sets;
  std::string format = "text";
  bool progress = false;
  /// Whether --cases and --schedules were given (else out-of-process handlers get their own).
  CLI::Option* cases = nullptr;
  CLI::Option* schedules = nullptr;
  std::string shard;
};

/// Out-of-process handlers get budgets that finish in about a minute, unless given.
void out_of_process_budgets(CertifyOptions& o) {
  const auto& hs = o.plan.handlers;
  const bool any = o.sets.php_modules || std::any_of(hs.begin(), hs.end(), [](const auto& h) {
                     return out_of_process(h);
                   });
  if (!any) return;
  if (o.cases->count() == 0) o.plan.budgets.cases = certify_cases_out_of_process;
  if (o.schedules->count() == 0) o.plan.budgets.schedules = certify_schedules_out_of_process;
}

int certify_command(CertifyOptions& o) {
  out_of_process_budgets(o);
  if (auto code = resolve_shard(o.shard, o.plan.shard)) return *code;
  auto prepared = certify::Certification::prepare(o.plan, o.sets);
  if (auto* e = std::get_if<std::string>(&prepared)) return input_error(*e);
  certify::Certification& run = *std::get<std::unique_ptr<certify::Certification>>(prepared);
  const certify::Plan& plan = run.plan();
  // With --format json stdout carries the certificate alone; the human text goes to stderr.
  const bool json = o.format == "json";
  std::FILE* out = json ? stderr : stdout;
  const bool colour = colour_on(out);
  fmt::print(out, "seed={} level=L{} cases={} schedules={} handlers={}{}\n", plan.seed, plan.level,
             plan.budgets.cases, plan.budgets.schedules, plan.handlers.size(),
             plan.shard.whole() ? "" : " shard=" + plan.shard.str());
  std::fflush(out);
  ProgressMeter meter("certify", "rows", run.row_count(), o.progress);
  std::size_t done = 0;
  const certify::Certificate cert = run.run([&](const std::string& line) { meter.label(line); },
                                            [&](const certify::Row&) { meter.count(++done); });
  meter.finish();
  print_certificate_table(out, cert, colour);
  if (auto e = run.write_outputs(cert)) return input_error(*e);
  if (!plan.report_dir.empty()) {
    fmt::print(out, "report: {}\n",
               (std::filesystem::path(plan.report_dir) / "report.html").string());
  }
  if (json) fmt::print("{}\n", certify::certificate_json(cert).dump(2));
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
  cmd->add_option("--level", p.level, "Highest level required: 1, 2, 3 or 4 (faults)")
      ->check(integer_in(1, certify::level_max))
      ->default_val(3);
  cmd->add_option("--seed", p.seed, "Seed of every generated case and schedule")
      ->check(integer_in(0, seed_max))
      ->default_val(1);
  o->cases = cmd->add_option("--cases", p.budgets.cases,
                             "Property cases per engine profile (L2; default 100, 20 when a "
                             "handler is exec: or php:)")
                 ->check(integer_in(1, certify::cases_max));
  o->schedules = cmd->add_option("--schedules", p.budgets.schedules,
                                 "Schedules per race scenario (L3; default 100, 20 when a handler "
                                 "is exec: or php:)")
                     ->check(integer_in(1, certify::schedules_max));
  cmd->add_option("--scenarios", p.scenario_dir, "Folder with gist/, lesson/, php/ and races/");
  cmd->add_option("--only", p.only,
                  "Run only the properties whose id starts with this (repeatable), e.g. L1 or "
                  "L3.race.race-two-tabs-counter");
  cmd->add_option("--guarantee", p.guarantees,
                  "php:class: handlers: a declared guarantee KEY=VALUE (repeatable): "
                  "concurrency=serialised|last-writer-wins|merge-disjoint-keys, "
                  "expiry=gc-only|ttl|lazy, ttl_s=N, id_bytes_max=N, payload_bytes_max=N");
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
  cmd->add_flag("--fail-fast", p.fail_fast,
                "Stop at the first failed row (the certificate says it was cut short)");
  cmd->add_option("--format", o->format,
                  "Output on stdout: text (the table) or json (certificate.json; the table goes "
                  "to stderr)")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  cmd->add_flag("--progress", o->progress,
                "Progress on stderr (rows, rate, time left) also when it is not a terminal");
  add_shard_option(cmd, o->shard);
  cmd->add_option("--jobs", p.budgets.jobs,
                  "php: handlers, L2: PHP workers running generated cases at once (0: one per "
                  "core)")
      ->default_val(0)
      ->check(integer_in(0, certify::jobs_max));
  return {cmd, [o] { return certify_command(*o); }};
}

}  // namespace ss::cli
