#include "oracle/trace_compare.hpp"

#include <algorithm>

#include "scenarios/trace.hpp"

namespace ss::oracle {

using nlohmann::json;

namespace {

/// The smallest of PHP's id alphabets an id fits: hex (sid_bits_per_character 4, [0-9a-f]), b32
/// (5, [0-9a-v]), b64 (6, [0-9a-zA-Z,-]), or other. A random id of a larger alphabet falls into a
/// smaller one by chance only with probability 2^-length (2^-26 for PHP's default ids).
std::string id_alphabet(const std::string& id) {
  if (id.find_first_not_of("0123456789abcdef") == std::string::npos) return "hex";
  if (id.find_first_not_of("0123456789abcdefghijklmnopqrstuv") == std::string::npos) return "b32";
  static const std::string b64 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,-";
  return id.find_first_not_of(b64) == std::string::npos ? "b64" : "other";
}

}  // namespace

std::string IdMap::placeholder(const std::string& id) {
  auto [it, inserted] = to_placeholder_.try_emplace(id, "");
  if (inserted) {
    it->second = "<id" + std::to_string(to_placeholder_.size()) + ":" + std::to_string(id.size()) +
                 ":" + id_alphabet(id) + ">";
    to_id_[it->second] = id;
  }
  return it->second;
}

std::optional<std::string> IdMap::placeholder_of(const std::string& id) const {
  auto it = to_placeholder_.find(id);
  if (it == to_placeholder_.end()) return std::nullopt;
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
  // The SID constant is "NAME=ID" (or ""): its id is compared as an id, by place, length and
  // alphabet (a generated id differs between the model and PHP).
  if (kind == "script" && name == "sid" && e.contains("result") && e["result"].is_string()) {
    const std::string sid = e["result"].get<std::string>();
    const auto eq = sid.find('=');
    if (eq != std::string::npos && ids.known(sid.substr(eq + 1))) {
      e["result"] = sid.substr(0, eq + 1) + ids.placeholder(sid.substr(eq + 1));
    }
  }
  // Set-Cookie ids are not learned: PHP's trace has none (the CLI keeps no headers), so an id
  // only a Set-Cookie line names would number the model's ids ahead of PHP's.
  if (e.contains("set_cookie") && e["set_cookie"].is_array()) {
    for (auto& c : e["set_cookie"]) rewrite(c);
  }
}

void normalise_ids(std::vector<json>& events) {
  IdMap ids;
  for (auto& e : events) normalise_event(e, ids);
}

namespace {

/// A "bin" event's strings back to the bytes they stand for (docs/trace-format.md): the model
/// escapes every byte >= 0x80, PHP only when a string is not UTF-8, so the two sides agree on
/// bytes, not on JSON text.
void to_bytes(json& v) {
  if (v.is_string()) {
    v = scenarios::json_bytes(v, true);
  } else if (v.is_array() || v.is_object()) {
    for (auto& item : v) to_bytes(item);
  }
}

}  // namespace

json comparable(const json& e) {
  json out;
  if (!e.is_object()) return json();
  if (e.contains("bin") && e["bin"] == true) {
    json bytes = e;
    bytes.erase("bin");
    to_bytes(bytes);
    return comparable(bytes);
  }
  for (const char* field : {"kind", "name", "request", "step", "args", "result"}) {
    if (e.contains(field)) out[field] = e[field];
  }
  const std::string kind = event_text(e, "kind");
  // A handler's failure carries its reason in our traces; PHP only ever sees false.
  if (kind == "handler" && out.contains("result") && out["result"].is_object() &&
      out["result"].contains("error")) {
    out["result"] = false;
  }
  // Both sides must inject the same answers into the same calls.
  if (kind == "handler") out["injected"] = e.contains("injected") && e["injected"] == true;
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
      constexpr auto lenient = json::error_handler_t::replace;  // bytes that are not UTF-8
      return "event " + std::to_string(i + 1) + " (request " +
             std::to_string(event_int(a, "request")) + ", step " +
             std::to_string(event_int(a, "step")) +
             ")\n  model: " + a.dump(-1, ' ', false, lenient) +
             "\n  php:   " + b.dump(-1, ' ', false, lenient);
    }
  }
  if (model.size() != php.size()) {
    const auto& longer = model.size() > php.size() ? model : php;
    return std::string(model.size() > php.size() ? "the model" : "PHP") +
           " has more events, from " +
           comparable(longer[n]).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return {};
}

std::optional<std::string> trace_difference(std::vector<json> model, std::vector<json> php) {
  normalise_ids(model);
  normalise_ids(php);
  std::string diff = first_difference(model, php);
  if (diff.empty()) return std::nullopt;
  return diff;
}

}  // namespace ss::oracle
