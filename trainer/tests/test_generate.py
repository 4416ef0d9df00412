"""Sampling k completions per prompt over a temperature range."""
import json
from pathlib import Path

from .conftest import events_of, prompts, run


def test_k_samples_per_prompt_over_the_temperature_range(tmp_path: Path, ab_policy: str) -> None:
    cfg = {"data": prompts(tmp_path / "p.jsonl", 5), "model": ab_policy, "output_dir": str(tmp_path / "g"),
           "threads": 1, "k": 3, "temperature_min": 0.7, "temperature_max": 0.9, "max_new_tokens": 12, "batch_size": 4}
    result, sink = run("generate", cfg)
    rows = [json.loads(line) for line in Path(result["output"]).read_text().splitlines()]
    assert len(rows) == 15
    assert sorted({r["temperature"] for r in rows}) == [0.7, 0.8, 0.9]
    assert {r["id"] for r in rows} == {f"t{i}" for i in range(5)}
    assert events_of(sink, "progress")[-1]["step"] == 15
    # The SFT policy answers in its trained alphabet.
    letters = "".join(r["completion"] for r in rows)
    assert sum(c in "ab" for c in letters) / max(1, len(letters)) > 0.8
    again, _ = run("generate", {**cfg, "output_dir": str(tmp_path / "g2")})
    assert again["sha256"] == result["sha256"]
