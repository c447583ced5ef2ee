#!/usr/bin/python3
"""reports/pyproject.toml: the report generator builds into a wheel offline (Debian's setuptools
and wheel, no index), the wheel carries the module, the package and its templates, its version is
the project's, and the generator installed from it alone renders a report from another directory.

Usage: report_package_test.py SOURCE_DIR PROJECT_VERSION
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import zipfile

SOURCE_DIR = ""
PROJECT_VERSION = ""


def build_wheel(work):
    """Builds the wheel from a copy of reports/ (the build writes build/ and *.egg-info next to
    pyproject.toml, which must not land in the checkout). Returns the wheel's path."""
    project = os.path.join(work, "reports")
    shutil.copytree(os.path.join(SOURCE_DIR, "reports"), project,
                    ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
    dist = os.path.join(work, "dist")
    code = "import setuptools.build_meta as b, sys; print(b.build_wheel(sys.argv[1]))"
    r = subprocess.run([sys.executable, "-c", code, dist], cwd=project, capture_output=True,
                       text=True, check=False)
    if r.returncode != 0:
        raise AssertionError("the wheel did not build:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    return os.path.join(dist, r.stdout.strip().splitlines()[-1])


class ReportPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="ss-report-package-")
        cls.wheel = build_wheel(cls.work)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_wheel_name_and_version_match_the_project(self):
        self.assertEqual(os.path.basename(self.wheel),
                         f"sessionspec_report-{PROJECT_VERSION}-py3-none-any.whl")

    def test_wheel_holds_module_package_templates_and_command(self):
        with zipfile.ZipFile(self.wheel) as z:
            names = set(z.namelist())
            entry_points = z.read(
                f"sessionspec_report-{PROJECT_VERSION}.dist-info/entry_points.txt").decode()
            metadata = z.read(f"sessionspec_report-{PROJECT_VERSION}.dist-info/METADATA").decode()
        for name in ("sessionspec_report.py", "sessreport/__init__.py", "sessreport/render.py",
                     "sessreport/templates/report.html.j2", "sessreport/templates/report.css"):
            self.assertIn(name, names)
        self.assertFalse([n for n in names if n.startswith("tests/")], "tests were packaged")
        self.assertIn("sessionspec-report = sessionspec_report:main", entry_points)
        self.assertIn("Requires-Dist: Jinja2", metadata)

    def test_installed_wheel_renders_a_report_from_elsewhere(self):
        site = os.path.join(self.work, "site")
        with zipfile.ZipFile(self.wheel) as z:
            z.extractall(site)
        elsewhere = os.path.join(self.work, "elsewhere")
        os.makedirs(elsewhere)
        out = os.path.join(elsewhere, "report.html")
        trace = os.path.join(SOURCE_DIR, "reports", "tests", "data", "gist-open-write-close.jsonl")
        code = ("import sys; sys.path.insert(0, sys.argv[1]); from sessionspec_report import main; "
                "sys.exit(main(sys.argv[2:]))")
        r = subprocess.run([sys.executable, "-I", "-c", code, site, "--out", out, trace],
                           cwd=elsewhere, capture_output=True, text=True, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8") as f:
            html = f.read()
        self.assertIn("<html", html)
        self.assertIn("session_start", html)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: report_package_test.py SOURCE_DIR PROJECT_VERSION", file=sys.stderr)
        sys.exit(2)
    SOURCE_DIR, PROJECT_VERSION = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1])
