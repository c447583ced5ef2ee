#include "handlers/handler_uri.hpp"

namespace ss::handlers {

namespace {

bool parse_query(const std::string& q, std::map<std::string, std::string>& out,
                 std::string& error) {
  std::size_t pos = 0;
  while (pos <= q.size()) {
    std::size_t amp = q.find('&', pos);
    if (amp == std::string::npos) amp = q.size();
    const std::string pair = q.substr(pos, amp - pos);
    const std::size_t eq = pair.find('=');
    if (pair.empty() || eq == std::string::npos || eq == 0) {
      error = "malformed query parameter '" + pair + "' (want key=value)";
      return false;
    }
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
    pos = amp + 1;
  }
  return true;
}

}  // namespace

std::optional<HandlerUri> parse_handler_uri(const std::string& uri, std::string& error) {
  HandlerUri out;
  out.text = uri;
  if (uri == "memory") {
    out.scheme = "memory";
    return out;
  }
  std::size_t colon = uri.find(':');
  if (colon == std::string::npos || colon == 0) {
    error = "unknown handler '" + uri +
            "' (want memory, files:DIR, table:NAME, redis://HOST:PORT, sqlite:PATH or exec:CMD)";
    return std::nullopt;
  }
  out.scheme = uri.substr(0, colon);
  std::string rest = uri.substr(colon + 1);
  if (out.scheme == "redis") {
    if (rest.rfind("//", 0) != 0) {
      error = "malformed redis URI '" + uri + "' (want redis://HOST:PORT[/DB][?...])";
      return std::nullopt;
    }
    rest = rest.substr(2);
  }
  if (out.scheme != "exec") {
    const std::size_t q = rest.find('?');
    if (q != std::string::npos) {
      if (!parse_query(rest.substr(q + 1), out.params, error)) return std::nullopt;
      rest = rest.substr(0, q);
    }
  }
  if (rest.empty()) {
    error = "handler '" + uri + "' needs a target after '" + out.scheme + ":'";
    return std::nullopt;
  }
  out.target = rest;
  return out;
}

}  // namespace ss::handlers
