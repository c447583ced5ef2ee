#include "oracle/php_events.hpp"

#include "handlers/faults.hpp"
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
    e.seq = j.value("seq", 0);
    e.step = j.value("step", 0);
    e.request = j.value("request", 0);
    const scenarios::Request* req = scenarios::request_at(sc_, e.request);
    if (req == nullptr) {
      throw std::runtime_error("request " + std::to_string(e.request) + " is not in the scenario");
    }
    e.lane = req->name;
    const std::string kind = j.value("kind", "");
    if (kind == "request") {
      scenarios::RequestEvent r;
      const json& args = j.at("args");
      if (!args.empty() && args[0].is_string()) r.cookie = bytes(args[0]);
      e.payload = std::move(r);
    } else if (kind == "script") {
      e.payload = script(j, e);
    } else if (kind == "handler") {
      e.payload = handler(j);
    } else if (kind == "response") {
      scenarios::ResponseEvent r;
      state(j, r.state, r.outcome);
      e.payload = std::move(r);
    } else if (kind == "fault") {
      e.payload = fault(j);
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

  scenarios::ScriptEvent script(const json& j, const Event& e) {
    const scenarios::Step* st = scenarios::step_at(sc_, e.request, e.step);
    if (st == nullptr) {
      throw std::runtime_error("step " + std::to_string(e.step) + " is not in request " +
                               std::to_string(e.request));
    }
    if (j.value("name", "") != model::op_name(st->call.op)) {
      throw std::runtime_error("script call " + j.value("name", "?") + " where the scenario has " +
                               std::string(model::op_name(st->call.op)));
    }
    scenarios::ScriptEvent s;
    s.call = &st->call;
    const json& result = j.at("result");
    if (result.is_object() && result.contains("error")) {
      s.outcome.thrown = bytes(result["error"]);
    } else {
      s.outcome.result = value(result);
    }
    if (st->call.op == model::Op::advance) now_s_ += st->call.seconds;
    state(j, s.state, s.outcome);
    return s;
  }

  /// status, id, session and diagnostics (script and response events).
  void state(const json& j, scenarios::SessionState& st, model::Outcome& outcome) const {
    st.status = j.value("status", "") == "active" ? model::Status::active : model::Status::none;
    if (j.contains("id") && j["id"].is_string()) st.id = bytes(j["id"]);
    if (j.contains("session") && j["session"].is_string()) {
      auto parsed = model::unserialize(bytes(j["session"]));
      auto* v = std::get_if<model::Value>(&parsed);
      auto* a = v ? std::get_if<model::Array>(&v->v) : nullptr;
      if (a == nullptr) throw std::runtime_error("$_SESSION is not an array");
      st.session = *a;
    }
    for (const auto& d : j.value("diagnostics", json::array())) {
      outcome.diagnostics.push_back(diagnostic(d));
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

  scenarios::HandlerEvent handler(const json& j) const {
    scenarios::HandlerEvent h;
    const std::string name = j.value("name", "");
    const auto method = model::parse_method(name);
    if (!method) throw std::runtime_error("unknown handler method '" + name + "'");
    h.call.method = *method;
    for (const auto& a : j.at("args")) {
      h.call.args.push_back(a.is_number_integer() ? std::to_string(a.get<std::int64_t>())
                                                  : bytes(a));
    }
    const json& r = j.at("result");
    if (r.is_boolean() && !r.get<bool>() && h.call.method != model::Method::validate_id) {
      // PHP's `false` is a failed call (only validateId answers a plain no); the framework's
      // handlers report failures the same way, with a reason PHP never sees.
      h.answer = model::Answer::failure_("returned false");
    } else if (r.is_boolean()) {
      h.answer = model::Answer::boolean_(r.get<bool>());
    } else if (r.is_string()) {
      h.answer = model::Answer::string_(bytes(r));
    } else if (r.is_number_integer()) {
      h.answer = model::Answer::integer_(r.get<std::int64_t>());
    } else if (r.is_object() && r.contains("exception")) {
      h.answer = model::Answer::exception_(bytes(r["exception"]));
    } else if (r.is_null() || (r.is_object() && r.contains("php"))) {
      // A `fault` line's null, float, array or object.
      h.answer = model::Answer::other_(value(r));
    } else {
      throw std::runtime_error("unreadable handler result " + r.dump());
    }
    h.answer.injected = j.value("injected", false);
    h.now_s = now_s_;
    return h;
  }

  /// A fault the coordinator injected (oracle/race_runner.hpp: a SIGKILLed process), at the
  /// clock of its request's last call.
  scenarios::FaultEvent fault(const json& j) const {
    scenarios::FaultEvent f;
    const auto kind = handlers::parse_fault_kind(j.value("fault", ""));
    if (!kind) throw std::runtime_error("unknown fault '" + j.value("fault", "") + "'");
    f.kind = *kind;
    f.point = j.value("point", 0);
    f.where = j.value("where", "");
    f.now_s = now_s_;
    return f;
  }

  const scenarios::Scenario& sc_;
  std::int64_t now_s_;
  bool bin_ = false;
};

}  // namespace

base::Result<std::vector<Event>> events_from_php(const scenarios::Scenario& sc,
                                                 const std::vector<json>& php) {
  Converter convert(sc);
  std::vector<Event> out;
  out.reserve(php.size());
  for (std::size_t i = 0; i < php.size(); ++i) {
    try {
      out.push_back(convert.convert(php[i]));
    } catch (const std::exception& ex) {
      return base::error("PHP trace line " + std::to_string(i + 1) + ": " + ex.what() + ": " +
                         php[i].dump().substr(0, 300));
    }
  }
  return out;
}

}  // namespace ss::oracle
