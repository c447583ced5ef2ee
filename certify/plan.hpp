#pragma once
// What a certification run is asked to do: handlers, level, seed, budgets, row filters, where
// the scenarios are and where the results go. A plan is validated before anything runs, so
// that every input error is one line and exit 2 (docs/certify.md).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/shard.hpp"

namespace ss::certify {

/// The bounds of every number a plan holds; a value outside them is an input error. The upper
/// bounds keep a run finite (each unit costs from microseconds to a real PHP process).
inline constexpr int level_max = 4;
inline constexpr int cases_max = 100'000;
inline constexpr std::size_t schedules_max = 1'000'000;
inline constexpr std::size_t process_schedules_max = 100'000;
inline constexpr int block_ms_min = 10;
inline constexpr int block_ms_max = 60'000;
/// The most PHP workers `--jobs` may start (L2 on php: handlers).
inline constexpr unsigned jobs_max = 64;

/// How much evidence each level gathers.
struct Budgets {
  /// L2: property cases per engine profile (real PHP modules: generated scenarios).
  int cases = 100;
  /// L3: explorer schedules per race scenario (in-process handlers).
  std::size_t schedules = 100;
  /// L3: schedules of real PHP processes per race scenario (php: handlers).
  std::size_t process_schedules = 8;
  /// L3, php: handlers: a process slower than this for one step is blocked (a lock).
  int block_ms = 150;
  /// L2, php: handlers: persistent PHP workers judging generated cases at once (0: one per core).
  unsigned jobs = 0;
};

struct Plan {
  /// Handler URIs, in order (duplicates are dropped by validate()).
  std::vector<std::string> handlers;
  /// The highest level required: 1, 2, 3 or 4 (faults, certify/level4.hpp).
  int level = 3;
  std::uint64_t seed = 1;
  Budgets budgets;
  /// Row id prefixes to run (`--only`); empty: every row.
  std::vector<std::string> only;
  /// A folder with gist/, lesson/, php/, races/ and faults/.
  std::string scenario_dir;
  /// Where certificate.json, traces.jsonl and report.html go ("": no report).
  std::string report_dir;
  /// Where the JUnit XML goes ("": none).
  std::string junit_file;
  /// `--guarantee KEY=VALUE`: declared for every php:class: handler, over what its class
  /// declares (certify/class_target.hpp checks them).
  std::vector<std::string> guarantees;
  /// Stop at the first failed row (`--fail-fast`): every later row is not run.
  bool fail_fast = false;
  /// The shard of the rows to run (--shard; docs/scale-out.md): 1/1 runs every row.
  base::Shard shard;
};

/// The scenario folders of level 1, in row order.
inline constexpr std::string_view level1_folders[] = {"gist", "lesson", "php"};
/// The folders of level 1's rows under `scenario_dir`, in row order: gist, lesson, php, then
/// each folder under php/ (php/api, php/failures, ...), so that each family of PHP behaviour
/// is a row of its own.
[[nodiscard]] std::vector<std::string> level1_row_folders(const std::string& scenario_dir);
/// The row id of a level-1 folder: `L1.` and the folder with dots for slashes (L1.php.api).
[[nodiscard]] std::string level1_row_id(const std::string& folder);
/// The race catalogue's folder (level 3).
inline constexpr std::string_view races_folder = "races";

/// The first number of `plan` outside its bounds, as a one-line input error naming the option.
[[nodiscard]] std::optional<std::string> check_ranges(const Plan& plan);

/// Whether the plan's `--only` filters select the row `row_id` (all rows without filters).
[[nodiscard]] bool selected(const Plan& plan, std::string_view row_id);

}  // namespace ss::certify
