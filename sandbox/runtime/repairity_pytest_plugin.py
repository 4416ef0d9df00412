"""pytest plugin that records each test's outcome into $REPAIRITY_RESULT as JSON.

Loaded with `-p repairity_pytest_plugin` (the sandbox puts this file on PYTHONPATH). Records
{"tests": [{"name", "outcome", "message"?}], "collectErrors": [...], "exitstatus", "done"}.
"""
import json
import os

_tests = {}
_collect_errors = []
MESSAGE_LIMIT = 2000
_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def _message(report):
    try:
        text = str(report.longrepr) if report.longrepr is not None else ""
    except Exception:  # pragma: no cover
        text = "<unprintable>"
    return text[-MESSAGE_LIMIT:]


def pytest_runtest_logreport(report):
    if report.when == "call":
        outcome = report.outcome
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        return
    entry = {"name": report.nodeid, "outcome": outcome}
    if outcome in ("failed", "error"):
        entry["message"] = _message(report)
    previous = _tests.get(report.nodeid)
    if previous is None or _RANK[outcome] >= _RANK[previous["outcome"]]:
        _tests[report.nodeid] = entry


def pytest_collectreport(report):
    if report.failed:
        _collect_errors.append({"name": report.nodeid, "message": _message(report)})


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("REPAIRITY_RESULT")
    if not path:
        return
    with open(path, "w", encoding="utf-8") as f:
        json.dump(
            {"tests": list(_tests.values()), "collectErrors": _collect_errors, "exitstatus": int(exitstatus), "done": True},
            f,
        )
