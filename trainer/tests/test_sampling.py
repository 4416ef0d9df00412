"""Token sampling: finished responses leave the batch without disturbing the others, and the
code-block stop rule ends an answer at its closing fence."""
import torch

from trainer.config import TinyModelConfig
from trainer.modeling import load_base
from trainer.prompts import StopRule, code_block_closed, stop_after_code
from trainer.sampling import sample
from trainer.tokenizer import ByteTokenizer

from .conftest import TINY


def _greedy(model: torch.nn.Module, prompts: list[list[int]], stop: StopRule) -> list[list[int]]:
    # A temperature this low makes every draw the argmax: the result cannot depend on the generator.
    return sample(model, prompts, [1e-4] * len(prompts), 20, eos_id=2, pad_id=0,
                  generator=torch.Generator().manual_seed(0), device=torch.device("cpu"), stop=stop)


def test_rows_that_finish_early_leave_the_batch_and_the_others_answer_as_if_alone() -> None:
    model, tok, _ = load_base("tiny", TinyModelConfig(**TINY), 3, torch.float32)
    model.eval()
    prompts = [tok.encode(t) for t in ["def add(a, b):", "x", "return the sum of a list", "print(1)"]]
    # Each response ends after a length of its own (3-11 tokens), so rows finish at different steps.
    stop = StopRule(frozenset(range(tok.vocab_size)), lambda ids: len(ids) >= 3 + ids[0] % 9)
    together = _greedy(model, prompts, stop)
    alone = [_greedy(model, [p], stop)[0] for p in prompts]
    assert together == alone
    assert len({len(r) for r in together}) > 1


def test_an_answer_ends_when_its_first_code_block_is_closed() -> None:
    assert code_block_closed("Reasoning.\n```python\ndef f():\n    return 1\n```")
    assert not code_block_closed("Reasoning.\n```python\ndef f():\n    return 1\n")
    assert not code_block_closed("``````")
    tok = ByteTokenizer()
    rule = stop_after_code(tok)
    assert rule.trigger_ids == frozenset({ord("`") + ByteTokenizer.OFFSET})
    assert rule.complete(tok.encode("ok\n```py\nx = 1\n```"))
