#pragma once
// Shell quoting for the command lines sessionspec prints (replay lines, error messages), never for
// running anything: child processes start from an argv vector without a shell
// (base/child_process.hpp). A printed line must reproduce the run when pasted into sh or bash, so
// every argument is quoted the POSIX way: inside single quotes nothing is special except the
// single quote itself, which is written as '\'' (close, escaped quote, reopen). A PHP class name
// `App\Session\Handler` and a path with a space both survive unchanged.

#include <string>
#include <string_view>
#include <vector>

namespace ss::base {

/// `arg` as one shell word: unchanged when it consists only of characters no shell treats
/// specially ([A-Za-z0-9] and `@%+=:,./_-`), otherwise in single quotes ('' for the empty string).
[[nodiscard]] std::string shell_quote(std::string_view arg);

/// The words of `argv`, each quoted by shell_quote, separated by single spaces.
[[nodiscard]] std::string shell_join(const std::vector<std::string>& argv);

}  // namespace ss::base
