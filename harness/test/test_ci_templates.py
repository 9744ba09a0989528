"""The CI templates (ci/templates/): both parse, both run the same step script, the repository's
own workflow is the GitHub template with its variables set, and the step script gates a server on
a baseline: exit 0 on the baseline it wrote, 1 with the worse case named when the server breaks,
2 with a clear message when nothing listens."""
import os
import re
import socket
import subprocess
import sys

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TEMPLATES = os.path.join(ROOT, "ci", "templates")
GATE = os.path.join(TEMPLATES, "wsprobe-gate")
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "wsprobe.yml")
# A few areas keep each run to seconds: the gate's logic, not the catalogue, is under test.
SUBSET = "--cases 1.1.* --cases 5.1 --cases 7.1.* --cases 7.3.*"


def load(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return yaml.safe_load(f)


def github_steps(workflow):
    (job,) = workflow["jobs"].values()
    return job, job["steps"]


def gate(wsprobe, *args, env_args="", timeout=120):
    env = dict(os.environ, WSPROBE_ARGS=env_args)
    return subprocess.run([GATE, "--wsprobe", wsprobe, *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_both_templates_run_the_gate_script_with_the_same_variables():
    job, steps = github_steps(load("github-actions.yml"))
    gitlab = load("gitlab-ci.yml")["wsprobe"]
    runs = [s["run"] for s in steps if "run" in s]
    assert sum("ci/templates/wsprobe-gate" in r for r in runs) == 1
    assert sum("ci/templates/wsprobe-gate" in line for line in gitlab["script"]) == 1
    assert set(job["env"]) == set(gitlab["variables"])
    for needed in ("SERVER_CMD", "SERVER_URL", "BASELINE", "WSPROBE_REPO", "WSPROBE_REF"):
        assert needed in job["env"]
    # Reports are kept whatever the verdict.
    uploads = [s for s in steps if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["if"] == "always()"
    assert gitlab["artifacts"]["when"] == "always"
    assert gitlab["artifacts"]["reports"]["junit"] == "reports/wsprobe/junit.xml"


def test_the_repository_workflow_is_the_github_template_with_its_variables_set():
    with open(WORKFLOW) as f:
        ours = yaml.safe_load(f)
    template = load("github-actions.yml")
    (our_job,) = ours["jobs"].values()
    (their_job,) = template["jobs"].values()
    assert set(our_job["env"]) == set(their_job["env"])
    assert "wsprobe serve" in our_job["env"]["SERVER_CMD"]
    for job in (our_job, their_job):
        job.pop("env")
    assert our_job == their_job, "the repository's workflow drifted from ci/templates/github-actions.yml"


def test_gate_passes_on_the_baseline_it_wrote_and_fails_naming_the_worse_case(wsprobe, broken_server, tmp_path):
    baseline = str(tmp_path / "baseline.json")
    port = free_port()
    url = f"ws://127.0.0.1:{port}/"
    serve = f"{wsprobe} serve --port {port}"
    out = tmp_path / "first"
    first = gate(wsprobe, "--server-cmd", serve, "--url", url, "--baseline", baseline, "--out", str(out),
                 env_args=f"{SUBSET} --update-baseline")
    assert first.returncode == 0, first.stdout + first.stderr
    assert os.path.exists(baseline)
    again = gate(wsprobe, "--server-cmd", serve, "--url", url, "--baseline", baseline,
                 "--out", str(tmp_path / "again"), env_args=SUBSET)
    assert again.returncode == 0, again.stdout + again.stderr
    for report in ("junit.xml", "index.json", "html/index.html"):
        assert (tmp_path / "again" / report).exists(), report
    # The same baseline against a server that sends invalid UTF-8 in every text echo: worse.
    broken = broken_server("invalid-utf8")
    worse = gate(wsprobe, "--url", broken, "--baseline", baseline, "--out", str(tmp_path / "worse"),
                 env_args=SUBSET)
    assert worse.returncode == 1, worse.stdout + worse.stderr
    assert re.search(r"^  WORSE +1\.1\.1 +OK / OK -> FAILED", worse.stdout, re.M), worse.stdout[-3000:]


def test_gate_names_a_server_command_that_exits_before_listening(wsprobe, tmp_path):
    port = free_port()
    r = gate(wsprobe, "--server-cmd", f"{sys.executable} -c 'print(\"boom\")'", "--url",
             f"ws://127.0.0.1:{port}/", "--out", str(tmp_path), "--wait", "20")
    assert r.returncode == 2
    assert "exited before listening" in r.stderr and "boom" in r.stderr


def test_gate_gives_up_when_nothing_listens_within_the_wait(wsprobe, tmp_path):
    r = gate(wsprobe, "--url", f"ws://127.0.0.1:{free_port()}/", "--out", str(tmp_path), "--wait", "1")
    assert r.returncode == 2
    assert "nothing listens" in r.stderr


@pytest.mark.parametrize("args,message", [
    ([], "--url is required"),
    (["--url", "http://example/"], "not a ws:// or wss:// URL"),
    (["--url", "ws://127.0.0.1:1/", "--wait", "soon"], "--wait wants whole seconds"),
])
def test_gate_refuses_bad_arguments_by_name(wsprobe, args, message):
    r = gate(wsprobe, *args)
    assert r.returncode == 2 and message in r.stderr


def test_the_reference_server_passes_the_baseline_the_repository_workflow_gates_on(wsprobe, tmp_path):
    """What .github/workflows/wsprobe.yml runs, here: the catalogue (with the workflow's
    WSPROBE_ARGS) against wsprobe serve."""
    with open(WORKFLOW) as f:
        (job,) = yaml.safe_load(f)["jobs"].values()
    baseline = os.path.join(ROOT, job["env"]["BASELINE"])
    port = free_port()
    r = gate(wsprobe, "--server-cmd", f"{wsprobe} serve --port {port}", "--url", f"ws://127.0.0.1:{port}/",
             "--baseline", baseline, "--out", str(tmp_path), env_args=job["env"]["WSPROBE_ARGS"], timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    assert " 0 worse," in r.stdout
