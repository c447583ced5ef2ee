#include "certify/certification.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "base/version.hpp"
#include "certify/data.hpp"
#include "certify/handlers.hpp"
#include "certify/php_target.hpp"
#include "certify/report.hpp"

namespace ss::certify {

namespace fs = std::filesystem;

namespace {

/// Whether some row of `level` can be selected by the plan's filters (`prefix` is the common
/// beginning of that level's row ids, e.g. "L3.race.").
bool level_selectable(const Plan& p, int level, const std::string& prefix) {
  if (p.level < level) return false;
  if (p.only.empty()) return true;
  return std::any_of(p.only.begin(), p.only.end(), [&](const std::string& o) {
    return prefix.rfind(o, 0) == 0 || o.rfind(prefix, 0) == 0;
  });
}

/// The scenario folders the plan reads must exist: a wrong --scenarios is an input error, not a
/// certificate of failed rows.
std::optional<std::string> check_folders(const Plan& p) {
  std::vector<std::string> needed;
  for (const std::string_view folder : level1_folders) {
    if (level_selectable(p, 1, "L1." + std::string(folder))) needed.emplace_back(folder);
  }
  if (level_selectable(p, 3, "L3.race.")) needed.emplace_back(races_folder);
  for (const auto& folder : needed) {
    std::error_code ec;
    const fs::path dir = fs::path(p.scenario_dir) / folder;
    if (!fs::is_directory(dir, ec)) {
      return "--scenarios: " + dir.string() + " is not a directory (want a folder with gist/, " +
             "lesson/, php/ and races/)";
    }
  }
  return std::nullopt;
}

/// Every --only prefix must select some row: a typo would otherwise run nothing and pass.
std::optional<std::string> check_filters(const Plan& p,
                                         const std::vector<std::unique_ptr<Target>>& targets) {
  std::vector<std::string> races;
  if (p.level >= 3) {
    std::string error;
    for (const auto& sc : load_folder((fs::path(p.scenario_dir) / races_folder).string(), error)) {
      races.push_back(sc.name);
    }
    if (!error.empty()) return "--scenarios: " + error;
  }
  std::set<std::string> ids;
  for (const auto& t : targets) {
    for (auto& id : row_ids(p, *t, races)) ids.insert(std::move(id));
  }
  for (const auto& prefix : p.only) {
    if (std::none_of(ids.begin(), ids.end(),
                     [&](const std::string& id) { return id.rfind(prefix, 0) == 0; })) {
      return "--only " + prefix + ": matches no row at --level " + std::to_string(p.level) +
             " (row ids: L1.gist, L1.lesson, L1.php, L2.contract.ENGINE or L2.generated, "
             "L3.race.NAME)";
    }
  }
  return std::nullopt;
}

}  // namespace

Certification::Certification(Plan plan) : plan_(std::move(plan)), scratch_("sessionspec-certify") {}

std::variant<std::unique_ptr<Certification>, std::string> Certification::prepare(Plan plan,
                                                                                 HandlerSets sets) {
  if (auto e = check_ranges(plan)) return *e;
  if (plan.scenario_dir.empty()) plan.scenario_dir = data_paths().scenario_dir;
  std::unique_ptr<Certification> c(new Certification(std::move(plan)));
  Plan& p = c->plan_;
  if (!c->scratch_.ok()) return "certify: cannot create a scratch directory";
  if (sets.all) {
    for (const auto& h : all_handlers(c->scratch_.path())) p.handlers.push_back(h);
  }
  if (sets.php_modules) {
    for (const auto& h : php_module_handlers()) p.handlers.push_back(h);
  }
  if (p.handlers.empty()) {
    return "certify: name a handler (--handler URI) or use --all or --php-modules";
  }
  // --all beside --handler names some handlers twice: each is certified once, first place kept.
  std::set<std::string> seen;
  std::erase_if(p.handlers, [&](const std::string& uri) { return !seen.insert(uri).second; });
  if (auto e = check_folders(p)) return *e;
  // Every target is made before anything runs: a malformed URI is an input error.
  std::map<std::string, int> names;
  for (const auto& uri : p.handlers) {
    std::string error;
    const std::string work_dir = c->scratch_.path() + "/php-" + std::to_string(c->targets_.size());
    c->targets_.push_back(make_target(uri, work_dir, error));
    if (!c->targets_.back()) return "certify: --handler: " + error;
    // A handler that cannot be used at all (a broken exec: command, a server that is not
    // there) is an input error, before anything runs.
    if (auto d = c->targets_.back()->probe()) {
      return "certify: --handler " + uri + ": unusable: " + d->cause;
    }
    // Two handlers of one kind and mode (files in two directories) get numbered names.
    const std::string name = display_name(uri);
    const int seen = ++names[name];
    c->targets_.back()->set_name(seen == 1 ? name : name + " #" + std::to_string(seen));
  }
  if (auto e = check_filters(p, c->targets_)) return *e;
  if (!p.report_dir.empty()) {
    std::error_code ec;
    fs::create_directories(p.report_dir, ec);
    c->traces_file_ = (fs::path(p.report_dir) / "traces.jsonl").string();
    c->traces_.open(c->traces_file_, std::ios::trunc);
    if (ec || !c->traces_) return "--report: cannot write to '" + p.report_dir + "'";
  }
  return c;
}

Certificate Certification::run(const Progress& progress) {
  Certificate cert;
  cert.tool_version = base::version();
  cert.tool_commit = base::commit();
  cert.seed = plan_.seed;
  cert.level_requested = plan_.level;
  cert.budgets = plan_.budgets;
  cert.only = plan_.only;
  cert.started_at = utc_now();
  const bool php = std::any_of(targets_.begin(), targets_.end(),
                               [](const auto& t) { return t->kind() == "php-module"; });
  if (php) cert.php_version = php_version();
  const RunHooks hooks{progress, traces_.is_open() ? &traces_ : nullptr};
  for (auto& target : targets_) certify_target(plan_, *target, hooks, cert);
  traces_.close();
  cert.finished_at = utc_now();
  return cert;
}

std::optional<std::string> Certification::write_outputs(const Certificate& c) {
  if (!plan_.junit_file.empty()) {
    if (auto e = write_junit_file(plan_.junit_file, c)) return e;
  }
  if (!plan_.report_dir.empty()) return write_report(plan_.report_dir, c, traces_file_);
  return std::nullopt;
}

}  // namespace ss::certify
