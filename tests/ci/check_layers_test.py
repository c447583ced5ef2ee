#!/usr/bin/python3
"""ci/check_layers.py on small trees: a clean one passes, and each rule, broken once, fails
with exit 1 and one line naming the file, the line, the include and the rule."""

import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "ci",
                       "check_layers.py")

# A tree that follows every rule, including each allowed exception.
CLEAN = {
    "model/value.hpp": "#include <vector>\n#include <string>\n",
    "model/detail/common.hpp": '#include "model/value.hpp"\n',
    "model/engine.cpp": '#include "model/detail/common.hpp"\n',
    "base/fd.hpp": "#include <unistd.h>\n#include <sys/stat.h>\n#include <string>\n",
    "handlers/seam.hpp": '#include "model/value.hpp"\n#include "base/fd.hpp"\n'
                         "#include <boost/asio/awaitable.hpp>\n",
    "handlers/redis_handler.cpp": "#include <hiredis/hiredis.h>\n",
    "handlers/sqlite_handler.cpp": "#include <sqlite3.h>\n",
    "conformance/suite.hpp": '#include "handlers/seam.hpp"\n#include <gtest/gtest.h>\n',
    "scenarios/runner.hpp": '#include "handlers/seam.hpp"\n',
    "sched/explorer.hpp": '#include "scenarios/runner.hpp"\n',
    "properties/battery.hpp": '#include "scenarios/runner.hpp"\n',
    "oracle/php.hpp": '#include "sched/explorer.hpp"\n#include "properties/battery.hpp"\n',
    "certify/plan.hpp": '#include "oracle/php.hpp"\n',
    "cli/main.cpp": '#include "certify/plan.hpp"\n#include <CLI/CLI.hpp>\n',
    "tests/support/util.hpp": '#include "handlers/seam.hpp"\n',
    "tests/handlers/redis_test.cpp": '#include "tests/support/util.hpp"\n'
                                     "#include <hiredis/hiredis.h>\n",
    "bench/raw_sqlite_baseline.cpp": "#include <sqlite3.h>\n",
    "bench/cycle_bench.cpp": '#include "handlers/seam.hpp"\n#include "bench/cycle.hpp"\n',
    "bench/cycle.hpp": "",
    "fuzz/codec_fuzz.cpp": '#include "model/value.hpp"\n',
    "examples/handler/store.hpp": "#include <sessionspec/handlers/seam.hpp>\n",
    "examples/handler/store.cpp": '#include "store.hpp"\n#include <filesystem>\n',
    "build/cli/generated.cpp": '#include "tests/anything.hpp"\n',  # build trees are skipped
}

# (file, content, expected message part): one rule broken each.
BROKEN = [
    ("model/codec.cpp", "#include <boost/asio.hpp>\n", "model/ uses the C++ standard library only"),
    ("model/codec.cpp", '#include "handlers/seam.hpp"\n', "dependencies point one way"),
    ("base/proc.cpp", '#include "model/value.hpp"\n', "base/ (layer 0) may not include model/"),
    ("base/proc.cpp", "#include <fmt/core.h>\n", "base/ uses the standard library and POSIX only"),
    ("handlers/files.cpp", '#include "scenarios/runner.hpp"\n', "dependencies point one way"),
    ("handlers/files.cpp", "#include <hiredis/hiredis.h>\n", "only handlers/redis_* may include"),
    ("scenarios/x.cpp", "#include <sqlite3.h>\n", "only handlers/sqlite_* may include sqlite3"),
    ("scenarios/x.cpp", '#include "conformance/suite.hpp"\n', "may not include conformance/"),
    ("sched/x.cpp", '#include "properties/battery.hpp"\n', "may not include properties/"),
    ("sched/x.cpp", '#include "model/detail/common.hpp"\n', "internal to model/"),
    ("oracle/x.cpp", '#include "cli/main.hpp"\n', "dependencies point one way"),
    ("bench/x_bench.cpp", '#include "tests/support/util.hpp"\n', "only tests/ includes tests/"),
    ("cli/x.cpp", '#include "tests/support/util.hpp"\n', "only tests/ includes tests/"),
    ("examples/handler/t.cpp", '#include "handlers/seam.hpp"\n', "installed <sessionspec/...>"),
    ("examples/handler/t.cpp", "#include <handlers/seam.hpp>\n", "installed <sessionspec/...>"),
    ("newlayer/x.cpp", "#include <vector>\n", "newlayer/ is not in the layer table"),
    ("cli/x.cpp", '#include "nowhere/x.hpp"\n', "nowhere/ is not a library layer"),
]


def write_tree(root, files):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def run_checker(root):
    return subprocess.run([sys.executable, CHECKER, root], capture_output=True, text=True,
                          check=False)


class CheckLayers(unittest.TestCase):
    def test_clean_tree_passes(self):
        with tempfile.TemporaryDirectory() as root:
            write_tree(root, CLEAN)
            r = run_checker(root)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("no violations", r.stdout)

    def test_each_rule_is_enforced(self):
        for rel, text, why in BROKEN:
            with self.subTest(file=rel, include=text.strip()):
                with tempfile.TemporaryDirectory() as root:
                    write_tree(root, CLEAN)
                    write_tree(root, {rel: "// first line\n" + text})
                    r = run_checker(root)
                    self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                    lines = r.stdout.splitlines()
                    self.assertEqual(len(lines), 1, r.stdout)
                    line = 1 if "layer table" in why else 2
                    self.assertTrue(lines[0].startswith(f"{rel}:{line}: "), lines[0])
                    self.assertIn(why, lines[0])

    def test_usage_error(self):
        r = subprocess.run([sys.executable, CHECKER, "--bogus"], capture_output=True, text=True,
                           check=False)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
