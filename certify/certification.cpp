#include "certify/certification.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "base/data_dir.hpp"
#include "base/version.hpp"
#include "certify/class_target.hpp"
#include "certify/handlers.hpp"
#include "certify/level4.hpp"
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
  if (level_selectable(p, 4, std::string(fault_row_prefix))) needed.emplace_back(faults_folder);
  for (const auto& folder : needed) {
    std::error_code ec;
    const fs::path dir = fs::path(p.scenario_dir) / folder;
    if (!fs::is_directory(dir, ec)) {
      return "--scenarios: " + dir.string() + " is not a directory (want a folder with gist/, " +
             "lesson/, php/, races/ and faults/)";
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
  if (level_selectable(p, 4, std::string(fault_row_prefix))) {
    std::string error;
    (void)load_folder((fs::path(p.scenario_dir) / faults_folder).string(), error);
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
             "L3.race.NAME, L4.fault.NAME)";
    }
  }
  return std::nullopt;
}

/// ": REASON" of the last failed system call, or "" when there is none to tell.
std::string why() {
  return errno != 0 ? std::string(": ") + std::strerror(errno) : "";
}

}  // namespace

Certification::Certification(Plan plan) : plan_(std::move(plan)), scratch_("sessionspec-certify") {}

std::variant<std::unique_ptr<Certification>, std::string> Certification::prepare(Plan plan,
                                                                                 HandlerSets sets) {
  if (auto e = check_ranges(plan)) return *e;
  if (!plan.shard.whole() && plan.report_dir.empty()) {
    return "--shard " + plan.shard.str() + ": give --report DIR (merge reads the shard from it)";
  }
  std::unique_ptr<Certification> c(new Certification(std::move(plan)));
  if (auto e = c->find_data()) return *e;
  if (!c->scratch_.ok()) return "certify: cannot create a scratch directory";
  if (auto e = c->add_handlers(sets)) return *e;
  if (auto e = check_declared(c->plan_)) return *e;
  if (auto e = check_folders(c->plan_)) return *e;
  if (auto e = c->make_targets()) return *e;
  if (auto e = check_filters(c->plan_, c->targets_)) return *e;
  if (auto e = c->open_outputs()) return *e;
  return c;
}

// Data files are looked for before anything runs, not after an hour of certification.
std::optional<std::string> Certification::find_data() {
  if (plan_.scenario_dir.empty()) {
    const base::DataPath shipped = base::data_path("scenarios");
    if (!shipped) return "certify: " + shipped.error;
    plan_.scenario_dir = shipped.path;
  }
  if (!plan_.report_dir.empty()) {
    const base::DataPath generator = base::data_path("reports/sessionspec_report.py");
    if (!generator) return "certify: " + generator.error;
    report_script_ = generator.path;
  }
  return std::nullopt;
}

std::optional<std::string> Certification::add_handlers(HandlerSets sets) {
  Plan& p = plan_;
  if (sets.all) {
    for (const auto& h : all_handlers(scratch_.path())) p.handlers.push_back(h);
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
  return std::nullopt;
}

std::optional<std::string> Certification::make_targets() {
  std::map<std::string, int> names;
  for (auto& uri : plan_.handlers) {
    // A user class's rows and replay lines carry what --guarantee declared for it.
    uri = with_declared(uri, plan_.guarantees);
    std::string error;
    const std::string work_dir = scratch_.path() + "/php-" + std::to_string(targets_.size());
    targets_.push_back(make_target(uri, work_dir, error));
    if (!targets_.back()) return "certify: --handler: " + error;
    // A handler that cannot be used at all (a broken exec: command, a server that is not
    // there) is an input error, before anything runs.
    if (auto d = targets_.back()->probe()) {
      return "certify: --handler " + uri + ": unusable: " + d->cause;
    }
    // Two handlers of one kind and mode (files in two directories) get numbered names.
    const std::string name = display_name(uri);
    const int seen = ++names[name];
    targets_.back()->set_name(seen == 1 ? name : name + " #" + std::to_string(seen));
  }
  return std::nullopt;
}

// Outputs are opened before anything runs, so that one that cannot be written (a directory
// given as --junit) is an input error at once, not after the whole run.
std::optional<std::string> Certification::open_outputs() {
  errno = 0;
  // The report directory first: --junit may name a file inside it (--report out --junit
  // out/junit.xml).
  if (!plan_.report_dir.empty()) {
    std::error_code ec;
    fs::create_directories(plan_.report_dir, ec);
    traces_file_ = (fs::path(plan_.report_dir) / "traces.jsonl").string();
    if (!ec) traces_.open(traces_file_, std::ios::binary | std::ios::trunc);
    if (ec || !traces_) {
      return "--report: cannot write to '" + plan_.report_dir + "'" +
             (ec ? ": " + ec.message() : why());
    }
  }
  if (!plan_.junit_file.empty()) {
    junit_.open(plan_.junit_file, std::ios::binary | std::ios::trunc);
    if (!junit_) return "--junit: cannot write '" + plan_.junit_file + "'" + why();
  }
  return std::nullopt;
}

std::size_t Certification::row_count() const {
  std::vector<std::string> races;
  if (plan_.level >= 3) {
    std::string error;  // The catalogue was parsed when the plan was checked.
    for (const auto& sc :
         load_folder((fs::path(plan_.scenario_dir) / races_folder).string(), error)) {
      races.push_back(sc.name);
    }
  }
  std::size_t n = 0;
  for (const auto& t : targets_) {
    for (const auto& id : row_ids(plan_, *t, races)) n += selected(plan_, id) ? 1 : 0;
  }
  return n;
}

Certificate Certification::run(const Progress& progress, const RowDone& row_done) {
  Certificate cert;
  cert.tool_version = base::version();
  cert.tool_commit = base::commit();
  cert.seed = plan_.seed;
  cert.level_requested = plan_.level;
  cert.budgets = plan_.budgets;
  cert.only = plan_.only;
  cert.started_at = utc_now();
  const bool php = std::any_of(targets_.begin(), targets_.end(),
                               [](const auto& t) { return t->kind().rfind("php-", 0) == 0; });
  if (php) cert.php_version = php_version();
  rows_shard_ = RowShard{plan_.shard, 0, {}};
  const RunHooks hooks{progress, traces_.is_open() ? &traces_ : nullptr, row_done,
                       plan_.shard.whole() ? nullptr : &rows_shard_};
  for (auto& target : targets_) certify_target(plan_, *target, hooks, cert);
  cert.finished_at = utc_now();
  return cert;
}

std::optional<std::string> Certification::write_outputs(const Certificate& c) {
  errno = 0;
  if (junit_.is_open()) {
    write_junit(junit_, c);
    junit_.close();
    if (!junit_) return "--junit: cannot write '" + plan_.junit_file + "'" + why();
  }
  if (!traces_.is_open()) return std::nullopt;
  traces_.close();
  if (!plan_.shard.whole()) {
    if (auto e =
            write_shard_record(plan_.report_dir, certify_shard_record(plan_, c, rows_shard_))) {
      return "--report: " + *e;
    }
  }
  if (!traces_) return "--report: cannot write '" + traces_file_ + "'" + why();
  return write_report(plan_.report_dir, c, traces_file_, report_script_);
}

}  // namespace ss::certify
