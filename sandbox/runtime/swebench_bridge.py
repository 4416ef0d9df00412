"""Bridge to the official SWE-bench package: reads one JSON request on stdin, prints JSON.

  spec   (swebench 4.1.0, the last release that ships the per-repo/per-version tables)
         {"instance": row} -> the spec of (repo, version), the name of the repo's log parser,
         the requirement-file paths, the test directives and the official setup and eval scripts.
  script (swebench 5.0.2)
         {"instance": row + eval_script + log_parser} -> make_test_spec(...).eval_script, the script
         the harness runs (it records the test command's exit code).
  grade  (swebench 5.0.2)
         {"instance": row + eval_script + log_parser, "prediction": {...}, "log": path}
         -> the report of swebench.harness.grading.get_eval_report.

Nothing here decides anything itself: every value comes from the package.
"""
import json
import sys

ENV_NAME = "testbed"
REPO_DIR = "/testbed"


def spec(request):
    from swebench.harness.constants import MAP_REPO_VERSION_TO_SPECS
    from swebench.harness.constants.python import MAP_REPO_TO_ENV_YML_PATHS, MAP_REPO_TO_REQS_PATHS
    from swebench.harness.log_parsers import MAP_REPO_TO_PARSER
    from swebench.harness.test_spec.python import (
        get_test_directives,
        make_eval_script_list_py,
        make_repo_script_list_py,
    )

    instance = request["instance"]
    repo, version = instance["repo"], instance["version"]
    by_version = MAP_REPO_VERSION_TO_SPECS.get(repo)
    if by_version is None:
        return {"error": f"swebench has no specs for repository {repo}"}
    specs = by_version.get(version)
    if specs is None:
        return {"error": f"swebench has no spec for {repo} version {version} (known: {', '.join(sorted(by_version))})"}
    parser = MAP_REPO_TO_PARSER.get(repo)
    return {
        "specs": specs,
        "log_parser": parser.__name__ if parser else None,
        "reqs_paths": MAP_REPO_TO_REQS_PATHS.get(repo, []),
        "env_yml_paths": MAP_REPO_TO_ENV_YML_PATHS.get(repo, []),
        "directives": get_test_directives(instance),
        "repo_script_list": make_repo_script_list_py(specs, repo, REPO_DIR, instance["base_commit"], ENV_NAME),
        "eval_script_list": make_eval_script_list_py(
            instance, specs, ENV_NAME, REPO_DIR, instance["base_commit"], instance["test_patch"]
        ),
    }


def test_spec_of(request):
    from swebench.harness.constants import FAIL_ONLY_REPOS, EvalType
    from swebench.harness.utils import make_test_spec

    instance = dict(request["instance"])
    instance.setdefault("image", "")
    instance.setdefault(
        "eval_type",
        (EvalType.FAIL_ONLY if instance["repo"] in FAIL_ONLY_REPOS else EvalType.PASS_AND_FAIL).value,
    )
    return instance, make_test_spec(instance)


def script(request):
    _, test_spec = test_spec_of(request)
    return {"eval_script": test_spec.eval_script}


def grade(request):
    from swebench.harness.grading import get_eval_report

    instance, test_spec = test_spec_of(request)
    report = get_eval_report(test_spec, request["prediction"], request["log"], include_tests_status=True)
    return report[instance["instance_id"]]


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    handlers = {"spec": spec, "script": script, "grade": grade}
    if command not in handlers:
        print(json.dumps({"error": f"usage: swebench_bridge.py {'|'.join(handlers)} < request.json"}))
        return 2
    result = handlers[command](json.load(sys.stdin))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
