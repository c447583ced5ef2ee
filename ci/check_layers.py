#!/usr/bin/python3
"""The include-layer check: every #include of the C++ tree against the project's layering.

Usage: ci/check_layers.py [ROOT]   (ROOT defaults to the checkout this script is in)

Prints one line per violation, `FILE:LINE: #include X: why`, and exits 1 if there is any; exits
0 with a one-line summary when the tree is clean; exits 2 on a usage error. The rules:

* Layers point one way. A library folder includes its own headers and those of lower layers
  only (LAYERS below; folders on one layer do not include each other). model/ and base/ are the
  bottom and include nothing of the project but themselves.
* model/ includes only the C++ standard library; base/ only the standard library and POSIX.
* Only handlers/redis_* includes hiredis and only handlers/sqlite_* includes sqlite3 (plus the
  tests and raw-client baselines named in CLIENT_LIBRARY_EXCEPTIONS).
* model/detail/ holds the model's internal headers: nothing outside model/ includes them.
* tests/ is included by tests/ alone: never by a library, bench/, fuzz/ or an example.
* examples/ use the installed spelling (<sessionspec/...>) or their own headers, never a path of
  the source tree, so that they build against an installed package.
* Every folder with C++ files is in the table: a new folder takes a place in it (one line).
"""

import os
import re
import sys

# Library folders by layer, lowest first. The README's order: model/, base/ <- handlers/ <-
# scenarios/ <- sched/ <- oracle/ <- cli/; conformance/ (the suite) and properties/ sit beside
# scenarios/ and sched/; certify/ sits between oracle/ and cli/.
LAYERS = {
    "model": 0,
    "base": 0,
    "handlers": 1,
    "scenarios": 2,
    "conformance": 2,
    "sched": 3,
    "properties": 3,
    "oracle": 4,
    "certify": 5,
    "cli": 6,
}
# Folders that use the libraries and that nothing includes (tests/ only from tests/).
CONSUMERS = {"tests", "bench", "fuzz", "examples"}
# Folders with no C++ of ours to check.
IGNORED = {"docs", "reports", "adapters", "ci", "cmake", ".git", ".github", "out"}

CXX_SUFFIXES = (".cpp", ".hpp", ".h", ".cc")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

CLIENT_LIBRARIES = {
    # include prefix -> the file name prefix (under handlers/) allowed to include it
    "hiredis/": "handlers/redis_",
    "sqlite3.h": "handlers/sqlite_",
}
# Outside handlers/, who else may use a client library directly, and why.
CLIENT_LIBRARY_EXCEPTIONS = (
    "tests/handlers/redis_",  # the Redis handler's tests look at the server's keys
    "tests/handlers/sqlite_",  # the SQLite handler's tests look at the database
    "tests/reliability/raw_stores",  # the reliability suite plants data around the handlers
    "bench/raw_redis_",  # the raw-hiredis baseline the handler is measured against
    "bench/raw_sqlite_",  # the raw-sqlite3 baseline
)

STD_HEADERS = set("""
algorithm any array atomic barrier bit bitset charconv chrono codecvt compare complex concepts
condition_variable coroutine deque exception execution expected filesystem format forward_list
fstream functional future initializer_list iomanip ios iosfwd iostream istream iterator latch
limits list locale map memory memory_resource mutex new numbers numeric optional ostream queue
random ranges ratio regex scoped_allocator semaphore set shared_mutex source_location span
sstream stack stdexcept stop_token streambuf string string_view syncstream system_error thread
tuple type_traits typeindex typeinfo unordered_map unordered_set utility valarray variant
vector version cassert cctype cerrno cfenv cfloat cinttypes climits clocale cmath csetjmp csignal
cstdarg cstddef cstdint cstdio cstdlib cstring ctime cuchar cwchar cwctype
""".split())
POSIX_HEADERS = set("""
unistd.h fcntl.h signal.h spawn.h poll.h errno.h dirent.h pthread.h time.h stdlib.h string.h
limits.h stdio.h sched.h semaphore.h termios.h netdb.h
""".split())
POSIX_PREFIXES = ("sys/", "netinet/", "arpa/")


def top_folder(path):
    return path.split("/", 1)[0] if "/" in path else ""


def client_library_rule(rel, header):
    """Why `rel` may not include a client library's `header`, or None."""
    for prefix, owner in CLIENT_LIBRARIES.items():
        if header == prefix or header.startswith(prefix):
            if rel.startswith(owner) or rel.startswith(CLIENT_LIBRARY_EXCEPTIONS):
                return None
            return f"only {owner}* may include {prefix.rstrip('/')}"
    return None


def project_rule(rel, folder, header):
    """Why a library or consumer file `rel` in `folder` may not include the project header."""
    target = top_folder(header)
    if target == "tests" and folder != "tests":
        return "only tests/ includes tests/"
    if header.startswith("model/detail/") and folder != "model":
        return "model/detail/ is internal to model/"
    if folder == "examples":
        return "an example includes the installed <sessionspec/...> headers, not the source tree"
    if folder in CONSUMERS:
        return None if target in LAYERS or target == folder else f"unknown folder {target}/"
    if target == folder:
        return None
    if target not in LAYERS:
        return f"{target}/ is not a library layer"
    if LAYERS[target] >= LAYERS[folder]:
        return f"{folder}/ (layer {LAYERS[folder]}) may not include {target}/ " \
               f"(layer {LAYERS[target]}): dependencies point one way"
    if folder in ("model", "base"):
        return f"{folder}/ includes nothing of the project but itself"
    return None


def system_rule(folder, header):
    """Why `folder` may not include the system or third-party header `header`."""
    if folder == "model" and header not in STD_HEADERS:
        return "model/ uses the C++ standard library only"
    if folder == "base" and header not in STD_HEADERS and header not in POSIX_HEADERS \
            and not header.startswith(POSIX_PREFIXES):
        return "base/ uses the standard library and POSIX only"
    return None


def check_include(root, rel, folder, kind, header):
    why = client_library_rule(rel, header)
    if why:
        return why
    is_project = kind == '"' and top_folder(header) != ""
    if folder == "examples":
        if kind == '"' and os.path.exists(os.path.join(root, os.path.dirname(rel), header)):
            return None  # the example's own header
        if kind == "<" and (top_folder(header) in LAYERS or top_folder(header) in CONSUMERS):
            return "an example includes the installed <sessionspec/...> headers"
        return project_rule(rel, folder, header) if is_project else None
    if is_project:
        return project_rule(rel, folder, header)
    return system_rule(folder, header)


def cxx_files(root):
    """Paths relative to root of the C++ files to check, skipping build trees."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in IGNORED and not d.startswith("build")
                           and not d.startswith(".")]
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(CXX_SUFFIXES) and rel_dir != ".":
                yield os.path.join(rel_dir, name).replace(os.sep, "/")


def check_tree(root):
    """(violations, files, includes) for the tree at root."""
    violations = []
    files = includes = 0
    for rel in cxx_files(root):
        files += 1
        folder = top_folder(rel)
        if folder not in LAYERS and folder not in CONSUMERS:
            violations.append(f"{rel}:1: {folder}/ is not in the layer table of "
                              "ci/check_layers.py (LAYERS or CONSUMERS)")
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                includes += 1
                kind, header = m.group(1), m.group(2)
                why = check_include(root, rel, folder, kind, header)
                if why:
                    shown = f"<{header}>" if kind == "<" else f'"{header}"'
                    violations.append(f"{rel}:{number}: #include {shown}: {why}")
    return violations, files, includes


def main(argv):
    if len(argv) > 2 or (len(argv) == 2 and argv[1].startswith("-")):
        print("usage: ci/check_layers.py [ROOT]", file=sys.stderr)
        return 2
    root = argv[1] if len(argv) == 2 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isdir(root):
        print(f"check_layers: {root}: not a directory", file=sys.stderr)
        return 2
    violations, files, includes = check_tree(root)
    for v in violations:
        print(v)
    if violations:
        print(f"check_layers: {len(violations)} violation(s) in {files} files", file=sys.stderr)
        return 1
    print(f"check_layers: {files} files, {includes} includes, no violations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
