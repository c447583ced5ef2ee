#include "scenarios/trace.hpp"

#include "base/printable.hpp"
#include "model/codec.hpp"

namespace ss::scenarios {

using nlohmann::json;

json bytes_json(const std::string& bytes, bool& bin) {
  std::string utf8;
  utf8.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      utf8 += static_cast<char>(c);
    } else {
      bin = true;
      utf8 += static_cast<char>(0xC0 | (c >> 6));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return json(utf8);
}

std::string json_bytes(const json& j, bool bin) {
  const std::string s = j.get<std::string>();
  if (!bin) return s;
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC0 && c <= 0xC3 && i + 1 < s.size()) {
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

json value_json(const model::Value& v, bool& bin) {
  return std::visit(
      [&](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t>) {
          return x;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return bytes_json(x, bin);
        } else {
          return json{{"php", bytes_json(model::serialize(v), bin)}};
        }
      },
      v.v);
}

json answer_json(const model::Answer& a, bool& bin) {
  switch (a.kind) {
    case model::Answer::Kind::boolean: return a.b;
    case model::Answer::Kind::string: return bytes_json(a.s, bin);
    case model::Answer::Kind::integer: return a.n;
    case model::Answer::Kind::failure: return json{{"error", bytes_json(a.reason, bin)}};
    case model::Answer::Kind::exception: return json{{"exception", bytes_json(a.reason, bin)}};
    case model::Answer::Kind::other: return value_json(a.other, bin);
  }
  return nullptr;
}

namespace {

void add_state(json& j, const SessionState& state, const model::Outcome& outcome, bool& bin) {
  j["status"] = state.status == model::Status::active ? "active" : "none";
  j["id"] = bytes_json(state.id, bin);
  if (state.session) {
    j["session"] = bytes_json(model::serialize(model::Value{*state.session}), bin);
  } else {
    j["session"] = nullptr;
  }
  json diags = json::array();
  for (const auto& d : outcome.diagnostics) {
    diags.push_back(
        {{"level", model::level_name(d.level)}, {"message", bytes_json(d.message, bin)}});
  }
  j["diagnostics"] = diags;
}

json handler_args(const model::HandlerCall& c, bool& bin) {
  json args = json::array();
  for (const auto& a : c.args) {
    if (c.method == model::Method::gc) {
      args.push_back(std::stoll(a));
    } else {
      args.push_back(bytes_json(a, bin));
    }
  }
  return args;
}

}  // namespace

std::string_view scenario_name(const RunHeader& head) {
  return head.scenario != nullptr ? std::string_view(head.scenario->name) : std::string_view();
}

json event_json(const Event& e, std::string_view scenario) {
  bool bin = false;
  json j = {{"v", trace_schema_version},
            {"scenario", scenario},
            {"request", e.request},
            {"seq", e.seq},
            {"step", e.step},
            {"kind", event_kind_name(e.kind())}};
  if (!e.lane.empty()) j["lane"] = e.lane;
  json args = json::array();
  json result = nullptr;
  std::string name;
  switch (e.kind()) {
    case EventKind::run: {
      const RunHeader& h = e.run();
      name = "run";
      j["engine"] = h.engine_label;
      j["handler"] = h.handler;
      j["variant"] = model::variant_name(h.variant);
      j["ini"] = h.options.to_ini();
      j["seed"] = h.seed;
      if (!h.schedule.empty()) j["schedule"] = h.schedule;
      if (!h.trace_hash.empty()) j["trace_hash"] = h.trace_hash;
      break;
    }
    case EventKind::request: {
      const auto& cookie = e.request_event().cookie;
      name = "request";
      args.push_back(cookie ? bytes_json(*cookie, bin) : json(nullptr));
      break;
    }
    case EventKind::script: {
      const ScriptEvent& s = e.script();
      name = std::string(model::op_name(s.call->op));
      if (s.call->op == model::Op::session_start) {
        // Options are an object of ini strings, as in the scenario line.
        if (!s.call->options.empty()) args.push_back(json(s.call->options));
      } else {
        for (const auto& v : script_args(*s.call)) args.push_back(value_json(v, bin));
      }
      result = s.outcome.thrown ? json{{"error", bytes_json(*s.outcome.thrown, bin)}}
                                : value_json(s.outcome.result, bin);
      add_state(j, s.state, s.outcome, bin);
      break;
    }
    case EventKind::handler: {
      const HandlerEvent& h = e.handler();
      name = std::string(model::method_name(h.call.method));
      args = handler_args(h.call, bin);
      result = answer_json(h.answer, bin);
      if (h.answer.injected) j["injected"] = true;
      break;
    }
    case EventKind::response: {
      const ResponseEvent& r = e.response();
      name = "end";
      json cookies = json::array();
      for (const auto& c : r.set_cookies) cookies.push_back(bytes_json(c, bin));
      j["set_cookie"] = cookies;
      add_state(j, r.state, r.outcome, bin);
      break;
    }
    case EventKind::fault: {
      const FaultEvent& f = e.fault();
      name = std::string(handlers::fault_kind_name(f.kind));
      j["point"] = f.point;
      j["at"] = f.where;
      j["now"] = f.now_s;
      if (f.kind == handlers::FaultKind::stall) args.push_back(f.seconds);
      if (!f.note.empty()) j["note"] = bytes_json(f.note, bin);
      break;
    }
  }
  j["name"] = name;
  j["args"] = args;
  j["result"] = result;
  if (bin) j["bin"] = true;
  return j;
}

void JsonTraceWriter::on_event(const Event& e) {
  if (e.kind() == EventKind::run) scenario_ = std::string(scenario_name(e.run()));
  // ensure_ascii: every non-ASCII code point is written as \u00XX, as the format promises.
  out_ << event_json(e, scenario_).dump(-1, ' ', true) << '\n';
}

namespace {

std::string php_key(const model::Key& k) {
  return "$_SESSION[" + model::show(k) + "]";
}

/// Renders an echo of a value the way a script printing it would show it.
std::string echo_text(const model::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v.v)) return *s;
  return model::show(v);
}

}  // namespace

std::string php_syntax(const model::ScriptCall& call) {
  using model::Op;
  switch (call.op) {
    case Op::set: return php_key(call.key) + " = " + model::show(call.value) + ";";
    case Op::push: return php_key(call.key) + "[] = " + model::show(call.value) + ";";
    case Op::incr: return php_key(call.key) + "++;";
    case Op::unset: return "unset(" + php_key(call.key) + ");";
    case Op::get: return "echo " + php_key(call.key) + ";";
    case Op::advance: return "// the clock moves " + std::to_string(call.seconds) + " s on";
    default: break;
  }
  std::string args;
  for (const auto& v : script_args(call)) {
    if (!args.empty()) args += ", ";
    args += model::show(v);
  }
  return std::string(model::op_name(call.op)) + "(" + args + ");";
}

void TextTraceWriter::on_event(const Event& e) {
  // Ids, session data, handler answers and reasons are untrusted bytes: base::printable keeps a
  // CR/LF in them from forging trace lines and an ESC sequence from reaching the terminal.
  using base::printable;
  static const std::string gutter(22, ' ');
  switch (e.kind()) {
    case EventKind::run: {
      const RunHeader& h = e.run();
      out_ << "== " << printable(scenario_name(h)) << "  [engine " << printable(h.engine_label)
           << ", handler " << printable(h.handler) << ", variant " << model::variant_name(h.variant)
           << "]\n";
      break;
    }
    case EventKind::request:
      out_ << "-- request " << e.request
           << " (cookie: " << printable(e.request_event().cookie.value_or("none")) << ")\n";
      break;
    case EventKind::script: {
      const ScriptEvent& s = e.script();
      out_ << printable(php_syntax(*s.call)) << "\n";
      if (s.call->op == model::Op::get) {
        out_ << "    " << printable(echo_text(s.outcome.result)) << "\n";
      }
      if (s.call->op != model::Op::get && !s.outcome.result.is_null()) {
        out_ << "    => " << printable(model::show(s.outcome.result)) << "\n";
      }
      if (s.outcome.thrown) out_ << "    !! uncaught " << printable(*s.outcome.thrown) << "\n";
      for (const auto& d : s.outcome.diagnostics) {
        out_ << "    " << model::level_name(d.level) << ": " << printable(d.message) << "\n";
      }
      break;
    }
    case EventKind::handler:
      out_ << gutter << "# SessionHandler::" << printable(model::show(e.handler().call)) << " = "
           << printable(model::show(e.handler().answer)) << "\n";
      break;
    case EventKind::response: {
      const auto& cookies = e.response().set_cookies;
      out_ << "(end of request)";
      if (!cookies.empty()) {
        out_ << "  Set-Cookie:";
        for (const auto& c : cookies) out_ << " PHPSESSID=" << printable(c);
      }
      out_ << "\n";
      break;
    }
    case EventKind::fault: {
      const FaultEvent& f = e.fault();
      out_ << "!! fault: " << handlers::fault_kind_name(f.kind);
      if (f.kind == handlers::FaultKind::stall) out_ << " " << f.seconds << " s";
      out_ << " at point " << f.point << " (" << f.where << ")";
      if (!f.note.empty()) out_ << " [" << f.note << "]";
      out_ << "\n";
      break;
    }
  }
}

}  // namespace ss::scenarios
