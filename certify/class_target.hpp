#pragma once
// The certification target of a user's PHP save-handler class inside real PHP 8.2
// (php:class:BOOTSTRAP.php; docs/certify.md, "Your PHP handler class"): PHP's own session module
// drives the class, each request a php8.2-cli process of its own, races between real concurrent
// processes. It runs as PHP's modules run (certify/php_target.hpp), without their persistent
// worker, and is judged by what the class (or the command line) declares.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "certify/php_target.hpp"

namespace ss::certify {

/// `uri` with the plan's `--guarantee` declarations as URI parameters when it names a user's
/// class (so that its rows and replay lines carry them); `uri` itself otherwise.
[[nodiscard]] std::string with_declared(const std::string& uri,
                                        const std::vector<std::string>& guarantees);

/// The first of the plan's `--guarantee KEY=VALUE` declarations that is not one, as a one-line
/// input error; or that there is no php:class handler to declare them for.
[[nodiscard]] std::optional<std::string> check_declared(const Plan& plan);

class PhpClassTarget final : public PhpModuleTarget {
 public:
  /// Builds the handler once in PHP (oracle::describe_user_class) to learn its class, shape and
  /// declarations; when PHP cannot, probe() says why.
  PhpClassTarget(oracle::PhpModuleUri module, const std::string& work_dir);

  std::string kind() const override { return "php-class"; }
  DeclaredGuarantees guarantees() override;
  std::string agreement() const override {
    return "in real PHP agree with the reference store and the model";
  }
  std::optional<Diagnosis> probe() override;
  /// The generated scenarios, and L2.create-sid when the class has create_sid.
  std::vector<ContractSuite> contract_suites() const override;
  ContractResult run_contract(const ContractSuite& suite, const Plan& plan) override;

 private:
  /// Why PHP could not build the handler ("" when it could).
  std::string describe_error_;
};

}  // namespace ss::certify
