"""Runs a Python function task with an assert list (MBPP / HumanEval style).

Usage: python3 asserts_harness.py TASK_JSON RESULT_JSON

TASK_JSON holds {"code", "setup", "tests": [...]}. The candidate code runs first, then the setup
code (MBPP's setup code may use classes the solution defines), then each test separately. The
result file is rewritten after every step, so a task that crashes or hangs half way still says
which tests had passed. It records: {"phase", "error"?: {"kind", "message"}, "tests": [{"name",
"outcome", "message"?}], "done"}.
"""
import json
import sys
import traceback

MESSAGE_LIMIT = 2000


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        task = json.load(f)
    result_path = sys.argv[2]
    result = {"phase": "compile", "tests": [], "done": False}

    def save():
        with open(result_path, "w", encoding="utf-8") as out:
            json.dump(result, out)

    def describe(exc):
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return text[:MESSAGE_LIMIT]

    save()
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    tests = task.get("tests") or []
    try:
        code = compile(task.get("code") or "", "solution.py", "exec")
        setup = compile(task.get("setup") or "", "setup.py", "exec")
    except (SyntaxError, ValueError) as exc:
        result["error"] = {"kind": "syntax", "message": describe(exc)}
        result["done"] = True
        save()
        return
    for phase, compiled in (("solution", code), ("setup", setup)):
        result["phase"] = phase
        save()
        try:
            exec(compiled, namespace)
        except MemoryError as exc:
            result["error"] = {"kind": "memory", "message": describe(exc)}
            result["done"] = True
            save()
            return
        except BaseException as exc:  # includes SystemExit raised by the candidate
            result["error"] = {"kind": "exception", "phase": phase, "message": describe(exc)}
            result["tests"] = [{"name": t, "outcome": "error", "message": "not run: %s failed" % phase} for t in tests]
            result["done"] = True
            save()
            return
    result["phase"] = "tests"
    for test in tests:
        entry = {"name": test, "outcome": "running"}
        result["tests"].append(entry)
        save()
        try:
            exec(compile(test, "test.py", "exec"), namespace)
            entry["outcome"] = "passed"
        except AssertionError as exc:
            entry["outcome"] = "failed"
            entry["message"] = describe(exc)
        except MemoryError as exc:
            entry["outcome"] = "error"
            entry["message"] = describe(exc)
            result["error"] = {"kind": "memory", "message": entry["message"]}
        except BaseException as exc:
            entry["outcome"] = "error"
            entry["message"] = describe(exc)
    result["done"] = True
    save()


if __name__ == "__main__":
    main()
