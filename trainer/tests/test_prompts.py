"""One prompt format for every stage: SFT targets, sampling, PPO rollouts and reward scoring."""
from pathlib import Path

import pytest

from trainer.data import build_sequence, IGNORE
from trainer.prompts import SYSTEM, exchange_ids, prompt_ids, response_ids
from trainer.reward import encode_pair
from trainer.students import StudentNotInstalled, resolve
from trainer.tokenizer import ByteTokenizer, HfTokenizer, load_tokenizer

TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
            "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


@pytest.fixture()
def chat_tokenizer(tmp_path: Path) -> HfTokenizer:
    """A word-level Hugging Face tokenizer with a ChatML template, built in code (nothing to download)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = ["<unk>", "<|im_start|>", "<|im_end|>", "system", "user", "assistant", "fix", "add", "return", "a", "b"]
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", bos_token="<|im_start|>",
                                   eos_token="<|im_end|>", pad_token="<|im_end|>")
    fast.chat_template = TEMPLATE
    fast.save_pretrained(str(tmp_path / "tok"))
    return HfTokenizer(str(tmp_path / "tok"))


def test_chat_models_get_the_template_with_the_system_message(chat_tokenizer: HfTokenizer) -> None:
    ids = prompt_ids(chat_tokenizer, "fix add")
    expected = chat_tokenizer._tok.apply_chat_template(  # the model's own template, applied by transformers
        [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "fix add"}],
        tokenize=True, add_generation_prompt=True, return_dict=False)
    assert ids == list(expected)
    assert ids[-2:] == chat_tokenizer.encode("<|im_start|> assistant")  # ends with the assistant's turn


def test_every_stage_sees_the_same_prompt(chat_tokenizer: HfTokenizer) -> None:
    tok = chat_tokenizer
    p = prompt_ids(tok, "fix add")
    seq = build_sequence(tok, "fix add", "return a", max_length=512)       # SFT
    assert seq.input_ids[: len(p)] == p
    assert seq.labels[: len(p)] == [IGNORE] * len(p)                        # only the response is learned
    assert seq.input_ids[len(p):] == response_ids(tok, "return a")
    assert seq.input_ids[-1] == tok.eos_id                                   # ends with the end of the turn
    pair = encode_pair(tok, "fix add", "return a", max_length=512)          # reward model (training and PPO scoring)
    assert pair == exchange_ids(tok, "fix add", "return a") == seq.input_ids


def test_the_byte_level_tiny_model_keeps_bos_plus_text() -> None:
    tok = ByteTokenizer()
    assert prompt_ids(tok, "ab") == [tok.bos_id, ord("a") + 3, ord("b") + 3]
    assert load_tokenizer("tiny").chat_ids([{"role": "user", "content": "x"}]) is None


def test_a_named_student_resolves_to_its_folder_or_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPAIRITY_MODELS", str(tmp_path))
    with pytest.raises(StudentNotInstalled, match="make student"):
        resolve("smollm2-135m")
    (tmp_path / "smollm2-135m-instruct").mkdir()
    (tmp_path / "smollm2-135m-instruct" / "config.json").write_text("{}")
    assert resolve("smollm2-135m") == str(tmp_path / "smollm2-135m-instruct")
    assert resolve("org/some-model") == "org/some-model"
    monkeypatch.delenv("REPAIRITY_MODELS")
    monkeypatch.setenv("REPAIRITY_CACHE", str(tmp_path / "cache"))
    with pytest.raises(StudentNotInstalled, match=str(tmp_path / "cache" / "models")):
        resolve("smollm2-135m")


def test_a_long_prompt_is_cut_the_same_way_for_training_and_sampling(chat_tokenizer: HfTokenizer) -> None:
    tok = chat_tokenizer
    long_prompt = " ".join(["fix", "add"] * 40)
    kept = prompt_ids(tok, long_prompt, max_length=32)
    assert len(kept) == 16 and kept == prompt_ids(tok, long_prompt)[-16:]
    seq = build_sequence(tok, long_prompt, "return a", max_length=32)
    assert seq.input_ids[:16] == kept  # SFT trains on exactly what sampling and PPO rollouts read
