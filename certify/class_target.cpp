// A user's PHP handler class as a certification target: the PHP module target's level loops,
// with every request its own PHP process and the guarantees the class declares.

#include "certify/class_target.hpp"

#include <algorithm>

#include "certify/replay.hpp"
#include "certify/sid_check.hpp"
#include "oracle/user_class.hpp"

namespace ss::certify {

namespace {

bool is_class_uri(const std::string& uri) {
  return uri.rfind("php:class:", 0) == 0;
}

}  // namespace

std::string with_declared(const std::string& uri, const std::vector<std::string>& guarantees) {
  if (!is_class_uri(uri)) return uri;
  std::string out = uri;
  for (const auto& g : guarantees) out += (out.find('?') == std::string::npos ? "?" : "&") + g;
  return out;
}

std::optional<std::string> check_declared(const Plan& plan) {
  for (const auto& g : plan.guarantees) {
    const auto eq = g.find('=');
    const auto why = eq == std::string::npos
                         ? std::optional<std::string>("expected KEY=VALUE, got '" + g + "'")
                         : oracle::check_guarantee(g.substr(0, eq), g.substr(eq + 1));
    if (why) return "--guarantee: " + *why;
  }
  // A declaration nobody is judged by would be a silent no-op.
  if (!plan.guarantees.empty() &&
      std::none_of(plan.handlers.begin(), plan.handlers.end(), is_class_uri)) {
    return "--guarantee: applies to php:class: handlers only, and none is named";
  }
  return std::nullopt;
}

PhpClassTarget::PhpClassTarget(oracle::PhpModuleUri module, const std::string& work_dir)
    : PhpModuleTarget(std::move(module), work_dir, OwnProcesses{}) {
  oracle::OracleSetup setup = setup_;
  setup.work_dir = work_dir + "/introspect";
  auto described = oracle::describe_user_class(*module_.user_class, setup);
  if (!described) describe_error_ = described.error().message;
  // The store has the shape PHP just showed.
  store_ = module_.isolated(work_dir, "seq");
}

// What the class declares (sessionspecGuarantees() or its attribute), what the URI or
// --guarantee declares over it, and the weakest values for the rest, named as assumed.
DeclaredGuarantees PhpClassTarget::guarantees() {
  const oracle::UserClassUri& c = *module_.user_class;
  DeclaredGuarantees out{c.guarantees(model::RunOptions{}), c.assumed()};
  out.declared_by = c.declared_by();
  if (c.info) {
    out.class_name = c.info->class_name;
    out.shape = model::variant_name(c.info->variant);
  }
  return out;
}

std::vector<ContractSuite> PhpClassTarget::contract_suites() const {
  std::vector<ContractSuite> out = PhpModuleTarget::contract_suites();
  const auto& info = module_.user_class->info;
  if (info && model::capabilities_of(info->variant).create_sid) out.push_back(create_sid_suite());
  return out;
}

// The ids of several PHP processes, judged together: a class that seeds its generator alike in
// every process repeats them only across processes.
ContractResult PhpClassTarget::run_contract(const ContractSuite& suite, const Plan& plan) {
  if (suite.id != create_sid_suite().id) return PhpModuleTarget::run_contract(suite, plan);
  oracle::OracleSetup setup = setup_;
  setup.work_dir = setup_.work_dir + "/sids";
  const auto ids =
      oracle::user_class_sids(*module_.user_class, setup, sid_calls, sid_calls_per_process);
  const model::RunOptions ini;
  ContractResult out;
  if (!ids) {
    out.evidence = ids.error().message;
  } else if (!ids.value()) {
    out.evidence = "the class has no create_sid() after all";
  } else {
    out = judge_sids(**ids, sid_calls_per_process, ini.sid_length, ini.sid_bits_per_character);
  }
  if (!out.passed) out.replay = rerun_row_line(plan, module_.uri, suite.id, 2);
  return out;
}

std::optional<Diagnosis> PhpClassTarget::probe() {
  if (!describe_error_.empty()) return Diagnosis{describe_error_, false};
  return std::nullopt;
}

}  // namespace ss::certify
