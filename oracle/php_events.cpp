#include "oracle/php_events.hpp"

#include "model/codec.hpp"
#include "scenarios/trace.hpp"

namespace ss::oracle {

using nlohmann::json;
using scenarios::Event;
using scenarios::EventKind;

namespace {

/// One trace line's conversion; throws std::runtime_error with the reason when it does not fit.
class Converter {
 public:
  explicit Converter(const scenarios::Scenario& sc) : sc_(sc), now_s_(sc.clock_start_s) {}

  Event convert(const json& j) {
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    bin_ = j.value("bin", false);
    Event e;
    e.scenario = sc_.name;
    e.seq = j.value("seq", 0);
    e.step = j.value("step", 0);
    e.request = j.value("request", 0);
    if (e.request < 1 || static_cast<std::size_t>(e.request) > sc_.requests.size()) {
      throw std::runtime_error("request " + std::to_string(e.request) + " is not in the scenario");
    }
    const scenarios::Request& req = sc_.requests[static_cast<std::size_t>(e.request) - 1];
    e.lane = req.name;
    const std::string kind = j.value("kind", "");
    if (kind == "request") {
      e.kind = EventKind::request;
      e.origin_request = &req;
      const json& args = j.at("args");
      if (!args.empty() && args[0].is_string()) e.cookie = bytes(args[0]);
    } else if (kind == "script") {
      script(j, req, e);
    } else if (kind == "handler") {
      handler(j, e);
    } else if (kind == "response") {
      e.kind = EventKind::response;
      e.origin_request = &req;
      state(j, e);
    } else {
      throw std::runtime_error("unknown kind '" + kind + "'");
    }
    return e;
  }

 private:
  std::string bytes(const json& s) const { return scenarios::json_bytes(s, bin_); }

  model::Value value(const json& v) const {
    if (v.is_null()) return {};
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_string()) return bytes(v);
    if (v.is_object() && v.contains("php") && v["php"].is_string()) {
      auto parsed = model::unserialize(bytes(v["php"]));
      if (auto* val = std::get_if<model::Value>(&parsed)) return *val;
    }
    throw std::runtime_error("unreadable value " + v.dump());
  }

  void script(const json& j, const scenarios::Request& req, Event& e) {
    e.kind = EventKind::script;
    if (e.step < 1 || static_cast<std::size_t>(e.step) > req.steps.size()) {
      throw std::runtime_error("step " + std::to_string(e.step) + " is not in request " +
                               std::to_string(e.request));
    }
    const scenarios::Step& st = req.steps[static_cast<std::size_t>(e.step) - 1];
    if (j.value("name", "") != model::op_name(st.call.op)) {
      throw std::runtime_error("script call " + j.value("name", "?") + " where the scenario has " +
                               std::string(model::op_name(st.call.op)));
    }
    e.call = &st.call;
    e.origin_step = &st;
    e.source = st.source;
    const json& result = j.at("result");
    if (result.is_object() && result.contains("error")) {
      e.outcome.thrown = bytes(result["error"]);
    } else {
      e.outcome.result = value(result);
    }
    if (st.call.op == model::Op::advance) now_s_ += st.call.seconds;
    state(j, e);
  }

  /// status, id, session and diagnostics (script and response events).
  void state(const json& j, Event& e) const {
    e.status = j.value("status", "") == "active" ? model::Status::active : model::Status::none;
    if (j.contains("id") && j["id"].is_string()) e.id = bytes(j["id"]);
    if (j.contains("session") && j["session"].is_string()) {
      auto parsed = model::unserialize(bytes(j["session"]));
      auto* v = std::get_if<model::Value>(&parsed);
      auto* a = v ? std::get_if<model::Array>(&v->v) : nullptr;
      if (a == nullptr) throw std::runtime_error("$_SESSION is not an array");
      e.session = *a;
    }
    for (const auto& d : j.value("diagnostics", json::array())) {
      e.outcome.diagnostics.push_back(diagnostic(d));
    }
  }

  model::Diagnostic diagnostic(const json& d) const {
    using L = model::Diagnostic::Level;
    const std::string level = d.value("level", "");
    model::Diagnostic out;
    out.message = d.contains("message") ? bytes(d["message"]) : std::string();
    if (level == "notice") {
      out.level = L::notice;
    } else if (level == "deprecated") {
      out.level = L::deprecated;
    } else if (level == "error") {
      out.level = L::error;
    } else if (level != "warning") {
      // PHP errors and the harness's own notes have no model level: kept visible, so that a
      // checker reports them as a difference rather than letting them vanish.
      out.message = "[" + level + "] " + out.message;
    }
    return out;
  }

  void handler(const json& j, Event& e) const {
    e.kind = EventKind::handler;
    const std::string name = j.value("name", "");
    const auto method = model::parse_method(name);
    if (!method) throw std::runtime_error("unknown handler method '" + name + "'");
    e.hcall.method = *method;
    for (const auto& a : j.at("args")) {
      e.hcall.args.push_back(a.is_number_integer() ? std::to_string(a.get<std::int64_t>())
                                                   : bytes(a));
    }
    const json& r = j.at("result");
    if (r.is_boolean() && !r.get<bool>() && e.hcall.method != model::Method::validate_id) {
      // PHP's `false` is a failed call (only validateId answers a plain no); the framework's
      // handlers report failures the same way, with a reason PHP never sees.
      e.answer = model::Answer::failure_("returned false");
    } else if (r.is_boolean()) {
      e.answer = model::Answer::boolean_(r.get<bool>());
    } else if (r.is_string()) {
      e.answer = model::Answer::string_(bytes(r));
    } else if (r.is_number_integer()) {
      e.answer = model::Answer::integer_(r.get<std::int64_t>());
    } else if (r.is_object() && r.contains("exception")) {
      e.answer = model::Answer::exception_(bytes(r["exception"]));
    } else if (r.is_null() || (r.is_object() && r.contains("php"))) {
      // A `fault` line's null, float, array or object.
      e.answer = model::Answer::other_(value(r));
    } else {
      throw std::runtime_error("unreadable handler result " + r.dump());
    }
    e.answer.injected = j.value("injected", false);
    e.now_s = now_s_;
  }

  const scenarios::Scenario& sc_;
  std::int64_t now_s_;
  bool bin_ = false;
};

}  // namespace

std::optional<std::vector<Event>> events_from_php(const scenarios::Scenario& sc,
                                                  const std::vector<json>& php,
                                                  std::string& error) {
  Converter convert(sc);
  std::vector<Event> out;
  out.reserve(php.size());
  for (std::size_t i = 0; i < php.size(); ++i) {
    try {
      out.push_back(convert.convert(php[i]));
    } catch (const std::exception& ex) {
      error = "PHP trace line " + std::to_string(i + 1) + ": " + ex.what() + ": " +
              php[i].dump().substr(0, 300);
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace ss::oracle
