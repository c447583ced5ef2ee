#!/usr/bin/env bash
# A real certificate.json validates against docs/certificate.schema.json (python3-jsonschema),
# its cross-references hold (every verdict names a listed handler and property), the schema
# rejects what it must, and JUnit shows findings as findings. docs/certificate-format.md.
#   tests/certify/certificate_schema_test.sh build/cli/sessionspec SOURCE_DIR
set -u
source "${BASH_SOURCE%/*}/../lib.sh"
bin=$1
src=$2

# check CERT [php]: the schema, the cross-references and (with php) a PHP version.
check() {
  /usr/bin/python3 - "$src/docs/certificate.schema.json" "$1" "${2:-}" <<'PY'
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
cert = json.load(open(sys.argv[2]))
errors = sorted(Draft202012Validator(schema).iter_errors(cert), key=lambda e: list(e.path))
for e in errors:
    print(f"schema: {'/'.join(map(str, e.path))}: {e.message}")
handlers = set(cert["handlers"])
props = {p["id"] for p in cert["properties"]}
assert [h["name"] for h in cert["handler_details"]] == cert["handlers"], "handler_details order"
for i, v in enumerate(cert["verdicts"]):
    assert v["handler"] in handlers, f"verdicts[{i}]: unlisted handler {v['handler']}"
    assert v["property"] in props, f"verdicts[{i}]: unlisted property {v['property']}"
assert cert["started_at"] <= cert["finished_at"]
if sys.argv[3] == "php":
    assert cert["php_version"] and cert["php_version"].startswith("8.2."), cert["php_version"]
else:
    assert cert["php_version"] is None
sys.exit(1 if errors else 0)
PY
}

# A whole in-process certificate: memory and files, every level, small budgets.
mkdir "$out/files"
"$bin" certify --handler memory --handler "files:$out/files" --cases 5 --schedules 5 \
  --report "$out/inproc" --junit "$out/inproc/junit.xml" >"$out/inproc.txt" 2>&1 ||
  fail "certify memory+files exited $?: $(tail -3 "$out/inproc.txt")"
check "$out/inproc/certificate.json" || fail "the in-process certificate does not validate"
# Display names hold no scratch paths.
grep -q "$out/files" "$out/inproc/junit.xml" && fail "junit.xml names the scratch directory"
/usr/bin/python3 - "$out/inproc/certificate.json" <<'PY' || fail "in-process certificate content"
import json, sys
cert = json.load(open(sys.argv[1]))
assert cert["handlers"] == ["memory", "files"], cert["handlers"]
assert cert["level_requested"] == 3 and cert["level_achieved"] == 3, cert["level_achieved"]
assert cert["outcome"] == "certified"
assert cert["budgets"] == {"cases": 5, "schedules": 5, "process_schedules": 8, "block_ms": 150}
assert cert["engines"] == ["php-8.2", "php-legacy", "zealphp"], cert["engines"]
files = cert["handler_details"][1]
assert files["guarantees"]["concurrency"] == "serialised" and files["assumed"] == [], files
PY

# JUnit: a finding (memory loses a concurrent update, which last-writer-wins allows) is a
# skipped testcase whose message says finding; a pass has no failure, error or skipped child.
/usr/bin/python3 - "$out/inproc/junit.xml" <<'PY' || fail "JUnit findings"
import sys, xml.etree.ElementTree as ET
findings = 0
for case in ET.parse(sys.argv[1]).iter("testcase"):
    verdict = {p.get("name"): p.get("value") for p in case.iter("property")}["verdict"]
    children = {c.tag for c in case}
    if verdict == "finding":
        findings += 1
        assert case.find("skipped").get("message").startswith("finding: "), verdict
    elif verdict == "pass":
        assert not children & {"failure", "error", "skipped"}, (case.get("name"), children)
    assert "/" not in case.get("classname"), case.get("classname")
assert findings > 0, "memory shows no finding"
PY

# A real PHP module: the certificate names the PHP version that ran.
"$bin" certify --handler php:files --level 1 --only L1.gist --report "$out/php" \
  >"$out/php.txt" 2>&1 || fail "certify php:files exited $?: $(tail -3 "$out/php.txt")"
check "$out/php/certificate.json" php || fail "the php:files certificate does not validate"

# The schema has teeth: a certificate without a seed, or with an unknown verdict, fails it.
/usr/bin/python3 - "$src/docs/certificate.schema.json" "$out/inproc/certificate.json" <<'PY' ||
import json, sys
from jsonschema import Draft202012Validator
validator = Draft202012Validator(json.load(open(sys.argv[1])))
cert = json.load(open(sys.argv[2]))
no_seed = dict(cert)
del no_seed["seed"]
assert not validator.is_valid(no_seed)
bad = json.loads(json.dumps(cert))
bad["verdicts"][0]["verdict"] = "maybe"
assert not validator.is_valid(bad)
PY
  fail "the schema accepts a certificate without a seed or with verdict 'maybe'"

finish "certificate schema"
