import json
from pathlib import Path

import pytest

from trainer.config import ConfigError, PpoConfig, SftConfig, load_config, training_fingerprint


def write(tmp_path: Path, body: object) -> str:
    p = tmp_path / "c.json"
    p.write_text(json.dumps(body))
    return str(p)


def test_reads_nested_typed_config(tmp_path: Path) -> None:
    cfg = load_config("sft", write(tmp_path, {"data": "d.jsonl", "lora": {"rank": 8}, "optim": {"lr": 1}}))
    assert isinstance(cfg, SftConfig)
    assert cfg.lora.rank == 8 and cfg.lora.alpha == 16 and cfg.optim.lr == 1.0


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lerning_rate"):
        load_config("sft", write(tmp_path, {"data": "d.jsonl", "optim": {"lerning_rate": 1}}))


def test_wrong_type_and_literal_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="batch_size"):
        load_config("sft", write(tmp_path, {"data": "d.jsonl", "batch_size": "4"}))
    with pytest.raises(ConfigError, match="target"):
        load_config("sft", write(tmp_path, {"data": "d.jsonl", "target": "everything"}))


def test_ppo_needs_a_reward_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="reward.path"):
        load_config("ppo", write(tmp_path, {"data": "p.jsonl"}))


def test_fingerprint_ignores_where_files_go_but_not_hyperparameters_or_content(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "p.jsonl").write_text('{"prompt": "x"}\n')
    a = PpoConfig(data=str(tmp_path / "a" / "p.jsonl"), output_dir="x")
    b = PpoConfig(data=str(tmp_path / "b" / "p.jsonl"), output_dir="y")
    b.checkpoint.interval = 7
    c = PpoConfig(data=str(tmp_path / "a" / "p.jsonl"), kl_beta=0.2)
    assert training_fingerprint(a) == training_fingerprint(b)
    assert training_fingerprint(a) != training_fingerprint(c)
    (tmp_path / "b" / "p.jsonl").write_text('{"prompt": "y"}\n')
    assert training_fingerprint(a) != training_fingerprint(b)


def test_distributed_block_is_checked_and_not_part_of_the_fingerprint(tmp_path: Path) -> None:
    cfg = load_config("sft", write(tmp_path, {"data": "d.jsonl", "batch_size": 4,
                                              "distributed": {"nproc_per_node": 2, "nnodes": 1}}))
    assert cfg.distributed.world_size == 2
    with pytest.raises(ConfigError, match="rdzv_endpoint"):
        load_config("sft", write(tmp_path, {"data": "d.jsonl", "distributed": {"nnodes": 2}}))
    with pytest.raises(ConfigError, match="multiple of the world size"):
        load_config("sft", write(tmp_path, {"data": "d.jsonl", "batch_size": 3, "distributed": {"nproc_per_node": 2}}))
    single = SftConfig(data="d.jsonl")
    pair = SftConfig(data="d.jsonl")
    pair.distributed.nproc_per_node = 2
    assert training_fingerprint(single) == training_fingerprint(pair)


def test_every_stage_has_an_entry_point() -> None:
    from trainer.config import STAGE_CONFIGS
    from trainer.stages import ENTRY_POINTS

    assert set(ENTRY_POINTS) == set(STAGE_CONFIGS)
