#include "certify/verdict.hpp"

#include <algorithm>
#include <array>

namespace ss::certify {

namespace {

constexpr std::array<std::pair<Verdict, std::string_view>, 5> verdict_names{{
    {Verdict::pass, "pass"},
    {Verdict::finding, "finding"},
    {Verdict::fail, "fail"},
    {Verdict::skip, "skip"},
    {Verdict::error, "error"},
}};

}  // namespace

std::string_view verdict_name(Verdict v) {
  for (const auto& [verdict, name] : verdict_names) {
    if (verdict == v) return name;
  }
  return "error";
}

std::ostream& operator<<(std::ostream& os, Verdict v) {
  return os << verdict_name(v);
}

std::optional<Verdict> parse_verdict(std::string_view name) {
  for (const auto& [verdict, text] : verdict_names) {
    if (text == name) return verdict;
  }
  return std::nullopt;
}

Outcome outcome(const std::vector<Verdict>& verdicts) {
  const auto any = [&](Verdict v) {
    return std::find(verdicts.begin(), verdicts.end(), v) != verdicts.end();
  };
  if (any(Verdict::fail)) return Outcome::not_certified;
  // No rows is no evidence, like an error row.
  if (verdicts.empty() || any(Verdict::error)) return Outcome::incomplete;
  return Outcome::certified;
}

}  // namespace ss::certify
