#include "cli/dispatch.hpp"

#include <exception>
#include <iostream>
#include <string>

#include "cli/commands.hpp"

namespace ss::cli {

namespace {

/// `text` on one line, at most 300 bytes (an exception's message may span lines).
std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  constexpr std::size_t width = 300;
  if (text.size() > width) text = text.substr(0, width) + "...";
  return text;
}

int internal_error(const std::string& what) {
  std::cerr << "sessionspec: internal error: " << one_line(what) << "\n";
  return exit_internal;
}

}  // namespace

int dispatch(CLI::App& app, const std::vector<Verb>& verbs, int argc, const char* const* argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "sessionspec: " << e.what() << " (see --help)\n";
    return exit_input;
  }
  try {
    for (const auto& verb : verbs) {
      if (verb.command->parsed()) return verb.action();
    }
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("an exception that is not a std::exception");
  }
  return exit_input;
}

}  // namespace ss::cli
