"""GPU check: bf16 SFT, reward model and PPO through the trainer on one CUDA device, each run
three times (uninterrupted; stopped after a checkpoint; resumed from it), with deterministic
algorithms on. Passes when every resumed run ends with the weights of the uninterrupted one.
Prints tokens per second per stage. Needs PyTorch, transformers, peft and safetensors installed
(trainer/requirements.txt); downloads nothing: the model is a Qwen2-architecture network built
from its config with random weights, the data is generated here.

    python scripts/gpu-check.py            # CUDA; goal: under 8 minutes on one H100
    python scripts/gpu-check.py --cpu      # a small smoke run of the same check on CPU

Exit status 0 when every stage resumed bit-identically, 1 otherwise, 2 when no CUDA device.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NONDETERMINISTIC = "does not have a deterministic implementation"

# A Qwen2 network of about 90M parameters (byte vocabulary) on GPU; the test-sized one on CPU.
GPU_MODEL = {"hidden_size": 1024, "num_hidden_layers": 8, "num_attention_heads": 16, "num_key_value_heads": 4,
             "intermediate_size": 2816, "max_position_embeddings": 1024, "initializer_range": 0.02}
CPU_MODEL = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "intermediate_size": 128, "max_position_embeddings": 256, "initializer_range": 0.2}
LORA = {"rank": 8, "alpha": 16, "dropout": 0.05,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}


def sizes(cpu: bool) -> dict[str, Any]:
    if cpu:
        return {"model": CPU_MODEL, "text": 24, "sft_steps": 6, "reward_steps": 6, "ppo_iterations": 4,
                "batch": 4, "new_tokens": 8, "interval": 2, "threads": 2}
    return {"model": GPU_MODEL, "text": 240, "sft_steps": 60, "reward_steps": 40, "ppo_iterations": 8,
            "batch": 16, "new_tokens": 64, "interval": 20, "threads": None}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def word(rng: random.Random, n: int, alphabet: str = "abcdefghij") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_data(folder: Path, n_chars: int) -> dict[str, Any]:
    """Fixed-length texts, so tokens per example are known: byte tokenizer = bytes + bos + eos."""
    rng = random.Random(0)
    sft = [{"prompt": f"reverse {w}:", "fix": w[::-1]} for w in (word(rng, n_chars) for _ in range(128))]
    prefs = [{"prompt": f"fix {i:04d}:", "chosen": word(rng, n_chars), "rejected": word(rng, n_chars, "0123456789")}
             for i in range(128)]
    prompts = [{"prompt": f"task {i:04d}:"} for i in range(64)]
    return {
        "sft": write_jsonl(folder / "sft.jsonl", sft),
        "prefs": write_jsonl(folder / "prefs.jsonl", prefs),
        "prompts": write_jsonl(folder / "prompts.jsonl", prompts),
        # bos + prompt + completion + eos
        "sft_tokens": 1 + len(sft[0]["prompt"]) + len(sft[0]["fix"]) + 1,
        "pair_tokens": 2 * (1 + len(prefs[0]["prompt"]) + n_chars + 1),
        "prompt_tokens": 1 + len(prompts[0]["prompt"]),
    }


def run_trainer(stage: str, cfg: dict[str, Any], folder: Path, extra: list[str]) -> dict[str, Any]:
    """One trainer process; returns its events (with arrival times), exit code and stderr."""
    config = folder / f"{stage}-{len(list(folder.glob('*.json')))}.json"
    config.write_text(json.dumps(cfg))
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "always"}
    proc = subprocess.Popen([sys.executable, "-m", "trainer", stage, "--config", str(config), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=folder)
    events = []
    assert proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout:
        if line.startswith("{"):
            events.append({**json.loads(line), "t": time.perf_counter()})
    stderr = proc.stderr.read()
    return {"events": events, "code": proc.wait(), "stderr": stderr}


def first(events: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((e for e in events if e["event"] == name), None)


def check_stage(stage: str, cfg: dict[str, Any], steps: int, stop_at: int, tokens_per_step: float, folder: Path) -> dict[str, Any]:
    """Uninterrupted run, then the same stopped after step `stop_at` and resumed."""
    work = folder / stage
    work.mkdir()

    def with_dirs(name: str) -> dict[str, Any]:
        return {**cfg, "output_dir": str(work / name), "checkpoint": {**cfg["checkpoint"], "dir": str(work / name / "ckpt")}}

    ref = run_trainer(stage, with_dirs("reference"), work, [])
    done = first(ref["events"], "done")
    if ref["code"] != 0 or done is None:
        raise SystemExit(f"{stage}: the uninterrupted run failed (exit {ref['code']}):\n{ref['stderr'][-3000:]}")
    start = first(ref["events"], "start")
    seconds = done["t"] - start["t"] if start else float("nan")

    resumed_cfg = with_dirs("resumed")
    stopped = run_trainer(stage, resumed_cfg, work, ["--stop-after", str(stop_at)])
    stop = first(stopped["events"], "stopped")
    if stop is None or not stop.get("checkpoint"):
        raise SystemExit(f"{stage}: stopping after step {stop_at} wrote no checkpoint (exit {stopped['code']}):\n{stopped['stderr'][-3000:]}")
    again = run_trainer(stage, resumed_cfg, work, ["--resume", stop["checkpoint"]])
    again_done = first(again["events"], "done")
    if again["code"] != 0 or again_done is None:
        raise SystemExit(f"{stage}: the resumed run failed (exit {again['code']}):\n{again['stderr'][-3000:]}")
    warnings = sorted({line.strip()[:160] for r in (ref, stopped, again) for line in r["stderr"].splitlines() if NONDETERMINISTIC in line})
    return {
        "stage": stage,
        "identical": again_done["sha256"] == done["sha256"],
        "sha256": done["sha256"],
        "resumed_sha256": again_done["sha256"],
        "stopped_at": stop["step"],
        "seconds": seconds,
        "tokens_per_second": tokens_per_step * steps / seconds,
        "nondeterministic_ops": warnings,
        "output": done["output"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpu", action="store_true", help="smoke run on CPU with a test-sized model")
    parser.add_argument("--keep", help="keep the work files in this folder")
    args = parser.parse_args()
    began = time.perf_counter()

    import torch

    if not args.cpu and not torch.cuda.is_available():
        print("gpu-check: no CUDA device visible (use --cpu for a smoke run)", file=sys.stderr)
        return 2
    device = "cpu" if args.cpu else "cuda"
    name = "CPU" if args.cpu else torch.cuda.get_device_name(0)
    versions = {m: __import__(m).__version__ for m in ("torch", "transformers", "peft")}
    print(f"gpu-check on {name}: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    z = sizes(args.cpu)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gpu-check-"))
    folder.mkdir(parents=True, exist_ok=True)
    data = make_data(folder, z["text"])
    common = {"model": "tiny", "tiny": z["model"], "device": device, "precision": "bf16", "seed": 0,
              "threads": z["threads"], "max_length": 1024, "lora": LORA,
              "checkpoint": {"interval": z["interval"], "keep": 2}}
    b, stop = z["batch"], z["interval"]
    results = []
    sft = check_stage("sft", {**common, "data": data["sft"], "target": "fix", "batch_size": b,
                              "max_steps": z["sft_steps"], "optim": {"lr": 1e-3}},
                      z["sft_steps"], stop, b * data["sft_tokens"], folder)
    results.append(sft)
    reward = check_stage("reward", {**common, "model": sft["output"], "data": data["prefs"], "batch_size": b,
                                    "max_steps": z["reward_steps"], "eval_fraction": 0.1},
                         z["reward_steps"], stop, b * data["pair_tokens"], folder)
    results.append(reward)
    ppo_interval = max(1, z["ppo_iterations"] // 2)
    ppo = check_stage("ppo", {**common, "model": sft["output"], "data": data["prompts"],
                              "reward": {"type": "model", "path": reward["output"]},
                              "checkpoint": {"interval": ppo_interval, "keep": 2},
                              "iterations": z["ppo_iterations"], "batch_size": b, "minibatch_size": b // 2,
                              "ppo_epochs": 2, "max_new_tokens": z["new_tokens"]},
                      z["ppo_iterations"], ppo_interval, b * (data["prompt_tokens"] + z["new_tokens"]), folder)
    results.append(ppo)

    for r in results:
        print(f"{r['stage']}: {r['seconds']:.1f} s, {r['tokens_per_second']:.0f} tokens/s; stopped at step "
              f"{r['stopped_at']} and resumed: {'bit-identical' if r['identical'] else 'DIFFERENT'} "
              f"({r['sha256'][:16]} vs {r['resumed_sha256'][:16]})")
        for w in r["nondeterministic_ops"]:
            print(f"  warning: {w}")
    total = time.perf_counter() - began
    ok = all(r["identical"] for r in results)
    (folder / "gpu-check.json").write_text(json.dumps({"device": name, "versions": versions, "seconds": total,
                                                       "stages": results}, indent=2))
    print(f"gpu-check: bf16 SFT, reward, PPO resume bit-identical on {name}: {'yes' if ok else 'no'}; tokens/s "
          + ", ".join(f"{r['stage']} {r['tokens_per_second']:.0f}" for r in results)
          + f"; {total:.0f} s ({'a smoke run: the goal, < 480 s, is for one H100' if args.cpu else 'goal < 480 s'})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
