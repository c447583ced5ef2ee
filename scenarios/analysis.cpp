#include "scenarios/analysis.hpp"

#include <algorithm>

#include "model/value.hpp"

namespace ss::scenarios {

using model::Op;

namespace {

std::set<std::string> ids_named(const Scenario& sc) {
  std::set<std::string> out;
  for (const auto& s : sc.store) out.insert(s.id);
  for (const auto& r : sc.requests) {
    if (r.cookie_mode == Request::CookieMode::explicit_id) out.insert(r.cookie);
    for (const auto& st : r.steps) {
      if (st.call.op == Op::session_id && st.call.text) out.insert(*st.call.text);
    }
  }
  return out;
}

std::vector<Batch> batches_of(const Scenario& sc) {
  std::vector<Batch> out;
  for (std::size_t i = 0; i < sc.requests.size(); ++i) {
    if (i > 0 && sc.requests[i].batch == sc.requests[i - 1].batch) {
      ++out.back().size;
    } else {
      out.push_back(Batch{i, 1});
    }
  }
  return out;
}

/// The keys each concurrent request writes; "*" when it replaces or drops the whole session.
std::vector<std::set<std::string>> written_keys(const Scenario& sc,
                                                const std::vector<Batch>& batches) {
  std::vector<std::set<std::string>> out;
  for (const Batch& b : batches) {
    if (b.size < 2) continue;
    for (std::size_t i = b.first; i < b.first + b.size; ++i) {
      std::set<std::string> keys;
      for (const auto& st : sc.requests[i].steps) {
        const Op op = st.call.op;
        if (op == Op::set || op == Op::unset || op == Op::incr || op == Op::push) {
          keys.insert(model::show(st.call.key));
        } else if (op == Op::session_unset || op == Op::session_destroy ||
                   op == Op::session_regenerate_id) {
          keys.insert("*");
        }
      }
      out.push_back(std::move(keys));
    }
  }
  return out;
}

bool pairwise_disjoint(const std::vector<std::set<std::string>>& sets) {
  for (std::size_t i = 0; i < sets.size(); ++i) {
    for (std::size_t j = i + 1; j < sets.size(); ++j) {
      if (sets[i].count("*") && !sets[j].empty()) return false;
      if (sets[j].count("*") && !sets[i].empty()) return false;
      for (const auto& k : sets[i]) {
        if (sets[j].count(k)) return false;
      }
    }
  }
  return true;
}

}  // namespace

ScenarioAnalysis analyse(const Scenario& sc) {
  ScenarioAnalysis a;
  a.named_ids = ids_named(sc);
  a.client_ids = a.named_ids;
  for (const auto& s : sc.store) a.client_ids.erase(s.id);
  a.batches = batches_of(sc);
  a.concurrent =
      std::any_of(a.batches.begin(), a.batches.end(), [](const Batch& b) { return b.size > 1; });
  const auto keys = written_keys(sc, a.batches);
  bool removes = false;
  for (const auto& k : keys) removes = removes || k.count("*") > 0;
  for (const auto& r : sc.requests) {
    for (const auto& st : r.steps) removes = removes || st.call.op == Op::unset;
  }
  a.serial_property = removes ? "no-resurrection" : "lost-update";
  a.disjoint_keys = pairwise_disjoint(keys);
  return a;
}

std::vector<std::vector<int>> serial_orders(const std::vector<Batch>& batches) {
  std::vector<std::vector<int>> orders{{}};
  int next = 0;
  for (const Batch& batch : batches) {
    std::vector<int> ids;
    for (std::size_t i = 0; i < batch.size; ++i) ids.push_back(next++);
    std::vector<std::vector<int>> grown;
    for (const auto& prefix : orders) {
      std::vector<int> perm = ids;
      do {
        if (grown.size() >= serial_orders_max) break;
        std::vector<int> o = prefix;
        o.insert(o.end(), perm.begin(), perm.end());
        grown.push_back(std::move(o));
      } while (std::next_permutation(perm.begin(), perm.end()));
    }
    orders = std::move(grown);
  }
  return orders;
}

std::string StoreState::show() const {
  std::string out = "{";
  for (const auto& [id, data] : named) {
    out += (out.size() > 1 ? ", " : "") + id + ": " + (data.empty() ? "(none)" : data);
  }
  for (const auto& data : anonymous) out += (out.size() > 1 ? ", " : "") + ("new: " + data);
  return out + "}";
}

SerialOutcomes serial_outcomes(
    const ScenarioAnalysis& analysis,
    const std::function<std::optional<StoreState>(const std::vector<int>& order)>& run) {
  SerialOutcomes out;
  for (const auto& order : serial_orders(analysis.batches)) {
    std::optional<StoreState> s = run(order);
    if (!s) continue;
    if (std::find(out.states.begin(), out.states.end(), *s) == out.states.end()) {
      out.states.push_back(std::move(*s));
    }
  }
  out.property = analysis.serial_property;
  out.disjoint_keys = analysis.disjoint_keys;
  for (const auto& s : out.states) out.shown += " " + s.show();
  return out;
}

}  // namespace ss::scenarios
