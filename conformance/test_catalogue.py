"""The case files as a language: each one valid against the JSON Schema beside them, every
built-in case documented (requirement, RFC sentence, roles), and `--catalogue DIR` adding to
the built-in cases, a duplicate id naming both files."""
import glob
import json
import os
import subprocess

import jsonschema
import pytest

from cases import load_cases

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")
SCHEMA = os.path.join(CASES_DIR, "case-file.schema.json")
CASE_FILES = sorted(f for f in glob.glob(os.path.join(CASES_DIR, "*.json")) if not f.endswith(".schema.json"))


def validator():
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", CASE_FILES, ids=os.path.basename)
def test_case_file_matches_the_schema(path):
    with open(path) as f:
        doc = json.load(f)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(doc)]
    assert not errors, errors[:5]


def test_schema_rejects_the_old_string_languages():
    old = {"area": "x", "cases": [{"id": "1", "rfc": "5.2", "description": "d", "expectation": "e", "close": "fc1000"}]}
    assert not validator().is_valid(old)
    count = {"area": "x", "cases": [{"id": "1", "rfc": "5.2", "description": "d", "expectation": "e",
                                     "steps": [{"send": {"opcode": "binary", "payload": {"repeat_hex": "00", "count": "limit+1"}}}]}]}
    assert not validator().is_valid(count)


def test_every_builtin_case_quotes_its_rfc_sentence():
    assert not [c["id"] for c in load_cases() if not c["rfc_text"].strip()]


def test_handshake_cases_test_servers_only():
    assert {tuple(c["roles"]) for c in load_cases() if c["area"] == "handshake"} == {("server",)}


def write_case_file(directory, area, case_id):
    case = {"id": case_id, "rfc": "5.6", "requirement": "MUST", "description": "Send a text message.",
            "expectation": "The server echoes it.", "steps": [{"send": {"opcode": "text", "payload": "hi"}}],
            "expect": {"ok": [{"text": "hi"}]}, "close": {"by": "tester", "after": "expected"}}
    path = directory / f"{area}.json"
    path.write_text(json.dumps({"area": area, "cases": [case]}))
    return path


def test_catalogue_dir_adds_to_the_builtin_cases(wsprobe, tmp_path):
    write_case_file(tmp_path, "mine", "100.1.1")
    out = subprocess.run([wsprobe, "cases", "--json", "--catalogue", str(tmp_path)], capture_output=True, text=True,
                         timeout=120, check=True)
    ids = [c["id"] for c in json.loads(out.stdout)["cases"]]
    assert "100.1.1" in ids and "1.1.1" in ids
    only = subprocess.run([wsprobe, "cases", "--json", "--catalogue", str(tmp_path), "--no-builtin-cases"],
                          capture_output=True, text=True, timeout=120, check=True)
    assert [c["id"] for c in json.loads(only.stdout)["cases"]] == ["100.1.1"]


def test_a_duplicate_id_names_both_files(wsprobe, tmp_path):
    path = write_case_file(tmp_path, "mine", "6.1.1")
    run = subprocess.run([wsprobe, "cases", "--catalogue", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "duplicate case id 6.1.1" in run.stderr and "utf8.json" in run.stderr and str(path) in run.stderr, run.stderr
