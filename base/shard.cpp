#include "base/shard.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>

namespace ss::base {

namespace {

/// A decimal number in [lo, hi], the whole of `text`; nullopt otherwise.
std::optional<std::size_t> number_in(std::string_view text, std::size_t lo, std::size_t hi) {
  std::size_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

std::string env_value(const EnvLookup& env, const char* name) {
  return env(name).value_or("");
}

/// The total of `--shard auto`: the option's, else GTEST_TOTAL_SHARDS beside GTEST_SHARD_INDEX,
/// else SESSIONSPEC_TOTAL_SHARDS.
std::variant<Shard, std::string> auto_shard(std::string_view total_text, const EnvLookup& env) {
  const std::string gtest_index = env_value(env, "GTEST_SHARD_INDEX");
  const std::string job_index = env_value(env, "JOB_COMPLETION_INDEX");
  const char* index_name = !gtest_index.empty() ? "GTEST_SHARD_INDEX" : "JOB_COMPLETION_INDEX";
  const std::string index_text = !gtest_index.empty() ? gtest_index : job_index;
  if (index_text.empty()) {
    return std::string("auto: neither GTEST_SHARD_INDEX nor JOB_COMPLETION_INDEX is set");
  }
  const char* total_name = "the option";
  std::string total = std::string(total_text);
  if (total.empty()) {
    total_name = !gtest_index.empty() ? "GTEST_TOTAL_SHARDS" : "SESSIONSPEC_TOTAL_SHARDS";
    total = env_value(env, total_name);
    if (total.empty()) return "auto: " + std::string(total_name) + " is not set (or give auto/N)";
  }
  const auto n = number_in(total, 1, shards_max);
  if (!n) {
    return "auto: total '" + total + "' from " + total_name + " is not a number in 1.." +
           std::to_string(shards_max);
  }
  // The environment counts from 0 (GoogleTest, Kubernetes); --shard I/N counts from 1.
  const auto i = number_in(index_text, 0, *n - 1);
  if (!i) {
    return "auto: " + std::string(index_name) + "='" + index_text + "' is not an index in 0.." +
           std::to_string(*n - 1);
  }
  return Shard{*i, *n};
}

}  // namespace

std::string Shard::str() const {
  return std::to_string(index + 1) + "/" + std::to_string(total);
}

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::variant<Shard, std::string> parse_shard(std::string_view spec, const EnvLookup& env) {
  const std::string want =
      "want I/N with 1 <= I <= N <= " + std::to_string(shards_max) + ", auto or auto/N";
  const std::size_t slash = spec.find('/');
  const std::string_view head = spec.substr(0, slash);
  const std::string_view tail =
      slash == std::string_view::npos ? std::string_view() : spec.substr(slash + 1);
  if (head == "auto") {
    if (slash != std::string_view::npos && !number_in(tail, 1, shards_max)) {
      return "'" + std::string(spec) + "': " + want;
    }
    return auto_shard(tail, env);
  }
  const auto n = number_in(tail, 1, shards_max);
  const auto i = n ? number_in(head, 1, *n) : std::nullopt;
  if (slash == std::string_view::npos || !n || !i) return "'" + std::string(spec) + "': " + want;
  return Shard{*i - 1, *n};
}

void acknowledge_shard_status(const EnvLookup& env) {
  const std::string file = env_value(env, "GTEST_SHARD_STATUS_FILE");
  if (!file.empty()) std::ofstream(file, std::ios::app);
}

}  // namespace ss::base
