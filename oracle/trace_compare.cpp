#include "oracle/trace_compare.hpp"

#include <algorithm>

namespace ss::oracle {

using nlohmann::json;

std::string IdMap::placeholder(const std::string& id) {
  auto [it, inserted] = to_placeholder_.try_emplace(id, "");
  if (inserted) {
    it->second = "<id" + std::to_string(to_placeholder_.size()) + ">";
    to_id_[it->second] = id;
  }
  return it->second;
}

std::optional<std::string> IdMap::id_of(const std::string& p) const {
  auto it = to_id_.find(p);
  if (it == to_id_.end()) return std::nullopt;
  return it->second;
}

namespace {

bool is_id_method(const std::string& name) {
  return name == "read" || name == "write" || name == "destroy" || name == "validateId" ||
         name == "updateTimestamp";
}

}  // namespace

std::string event_text(const json& e, const char* key) {
  if (!e.is_object()) return {};
  auto it = e.find(key);
  return (it != e.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

long long event_int(const json& e, const char* key) {
  if (!e.is_object()) return 0;
  auto it = e.find(key);
  return (it != e.end() && it->is_number_integer()) ? it->get<long long>() : 0;
}

void normalise_event(json& e, IdMap& ids) {
  // Traces come from outside (PHP, files): tolerate any shape, normalise only what fits.
  if (!e.is_object()) return;
  if (!e.contains("args") || !e["args"].is_array()) return;
  const std::string kind = event_text(e, "kind");
  const std::string name = event_text(e, "name");
  auto learn = [&](const json& v) {
    if (v.is_string() && !v.get<std::string>().empty()) (void)ids.placeholder(v.get<std::string>());
  };
  if (kind == "request" && !e["args"].empty()) learn(e["args"][0]);
  if (kind == "handler" && is_id_method(name) && !e["args"].empty()) learn(e["args"][0]);
  if (kind == "handler" && name == "create_sid") learn(e["result"]);
  if (kind == "script" && (name == "session_id" || name == "session_create_id")) {
    learn(e["result"]);
    if (!e["args"].empty()) learn(e["args"][0]);
  }
  if (e.contains("id")) learn(e["id"]);
  auto rewrite = [&](json& v) {
    if (v.is_string() && ids.known(v.get<std::string>())) v = ids.placeholder(v.get<std::string>());
  };
  if (e.contains("args")) {
    for (auto& a : e["args"]) rewrite(a);
  }
  if (e.contains("result")) rewrite(e["result"]);
  if (e.contains("id")) rewrite(e["id"]);
  if (e.contains("set_cookie") && e["set_cookie"].is_array()) {
    for (auto& c : e["set_cookie"]) {
      learn(c);
      rewrite(c);
    }
  }
}

void normalise_ids(std::vector<json>& events) {
  IdMap ids;
  for (auto& e : events) normalise_event(e, ids);
}

json comparable(const json& e) {
  json out;
  if (!e.is_object()) return json();
  for (const char* field : {"kind", "name", "request", "step", "args", "result"}) {
    if (e.contains(field)) out[field] = e[field];
  }
  const std::string kind = event_text(e, "kind");
  // A handler's failure carries its reason in our traces; PHP only ever sees false.
  if (kind == "handler" && out.contains("result") && out["result"].is_object() &&
      out["result"].contains("error")) {
    out["result"] = false;
  }
  if (kind == "script" || kind == "response") {
    for (const char* field : {"status", "id", "session"}) {
      if (e.contains(field)) out[field] = e[field];
    }
    json diags = json::array();
    if (e.contains("diagnostics") && e["diagnostics"].is_array()) {
      for (const auto& d : e["diagnostics"]) diags.push_back(d);
    }
    out["diagnostics"] = diags;
  }
  return out;
}

std::string first_difference(const std::vector<json>& model, const std::vector<json>& php) {
  const std::size_t n = std::min(model.size(), php.size());
  for (std::size_t i = 0; i < n; ++i) {
    const json a = comparable(model[i]);
    const json b = comparable(php[i]);
    if (a != b) {
      return "event " + std::to_string(i + 1) + " (request " +
             std::to_string(event_int(a, "request")) + ", step " +
             std::to_string(event_int(a, "step")) + ")\n  model: " + a.dump() +
             "\n  php:   " + b.dump();
    }
  }
  if (model.size() != php.size()) {
    const auto& longer = model.size() > php.size() ? model : php;
    return std::string(model.size() > php.size() ? "the model" : "PHP") +
           " has more events, from " + comparable(longer[n]).dump();
  }
  return {};
}

}  // namespace ss::oracle
