"""Memory plan: 32B PPO on one 80 GB GPU is refused with settings that fit; small runs pass."""
import json
import subprocess
import sys
from pathlib import Path

from trainer.config import LoraConfig, PpoConfig, SftConfig
from trainer.memory import KNOWN, check

REPO = Path(__file__).resolve().parents[2]
QWEN32 = "Qwen/Qwen2.5-Coder-32B-Instruct"


def reward_dir(tmp_path: Path, base: str) -> str:
    (tmp_path / "rm").mkdir()
    (tmp_path / "rm" / "repairity_model.json").write_text(json.dumps({"base": {"kind": "hf", "name": base}, "adapters": []}))
    return str(tmp_path / "rm")


def test_parameter_count_matches_the_published_size() -> None:
    assert 32.0e9 < KNOWN[QWEN32].params() < 33.5e9  # 32.5B
    assert 6.5e9 < KNOWN["codellama/CodeLlama-7b-hf"].params() < 7.0e9  # 6.7B
    lora = KNOWN[QWEN32].lora_params(LoraConfig(rank=4, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    assert lora == 64 * 4 * (2 * (5120 + 5120) + 2 * (5120 + 1024))


def test_32b_ppo_on_one_80gb_gpu_is_refused_naming_settings_that_fit(tmp_path: Path) -> None:
    cfg = PpoConfig(data="p.jsonl", model=QWEN32, batch_size=8, minibatch_size=4, max_length=2048, max_new_tokens=1024,
                    precision="bf16")
    cfg.reward.path = reward_dir(tmp_path, "codellama/CodeLlama-7b-hf")
    result = check("ppo", cfg, 80.0)
    assert not result["fits"] and result["per_rank_gib"] > 80
    assert result["components_gib"]["weights"] > 60 and result["components_gib"]["reward_model"] > 12
    assert result["suggestions"] and all(s["per_rank_gib"] <= 80 for s in result["suggestions"])
    first = result["suggestions"][0]
    assert f"nproc_per_node {first['nproc_per_node']}" in result["message"] and "80 GiB" in result["message"]
    cfg.distributed.nproc_per_node = first["nproc_per_node"]
    assert check("ppo", cfg, 80.0)["fits"]


def test_the_tiny_model_fits_and_the_command_line_says_so(tmp_path: Path) -> None:
    assert check("sft", SftConfig(data="d.jsonl"), 80.0)["fits"]
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"data": "d.jsonl", "model": QWEN32, "batch_size": 16, "max_length": 4096}))
    out = subprocess.run([sys.executable, "-m", "trainer", "plan", "sft", "--config", str(path), "--gpu-memory-gib", "80"],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    plan = json.loads(out.stdout)
    assert out.returncode == 2 and plan["fits"] is False and plan["stage"] == "sft", out.stderr[-2000:]


def test_a_named_student_is_planned_from_the_folder_it_is_installed_in(tmp_path: Path, monkeypatch) -> None:
    from trainer.memory import shape_of
    from trainer.students import STUDENTS

    folder = tmp_path / STUDENTS["smollm2-135m"]
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "model_type": "llama", "hidden_size": 576, "num_hidden_layers": 30, "num_attention_heads": 9,
        "num_key_value_heads": 3, "intermediate_size": 1536, "vocab_size": 49152, "tie_word_embeddings": True}))
    monkeypatch.setenv("REPAIRITY_MODELS", str(tmp_path))
    name, shape = shape_of("smollm2-135m", SftConfig(data="d.jsonl"))
    assert name == "smollm2-135m"
    assert (shape.hidden_size, shape.num_hidden_layers) == (576, 30)
