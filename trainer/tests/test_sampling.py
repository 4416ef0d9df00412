"""Token sampling: finished responses leave the batch without disturbing the others, and the
code-block stop rule ends an answer at its closing fence."""
import torch

from trainer.config import TinyModelConfig
from trainer.modeling import load_base
from trainer.prompts import StopRule, code_block_closed, stop_after_code
from trainer.kv_cache import reserved_cache
from trainer.sampling import draw, sample
from trainer.tokenizer import ByteTokenizer

from .conftest import TINY


def _greedy(model: torch.nn.Module, prompts: list[list[int]], stop: StopRule, prefill_rows: int | None = None) -> list[list[int]]:
    # A temperature this low makes every draw the argmax: the result cannot depend on the generator.
    return sample(model, prompts, [1e-4] * len(prompts), 20, eos_id=2, pad_id=0,
                  generator=torch.Generator().manual_seed(0), device=torch.device("cpu"), stop=stop,
                  prefill_rows=prefill_rows)


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
    # Prompts read a few at a time in order of length, their caches merged: the same answers.
    assert _greedy(model, prompts, stop, prefill_rows=1) == together
    assert _greedy(model, prompts, stop, prefill_rows=3) == together


def test_an_answer_ends_when_its_first_code_block_is_closed() -> None:
    assert code_block_closed("Reasoning.\n```python\ndef f():\n    return 1\n```")
    assert not code_block_closed("Reasoning.\n```python\ndef f():\n    return 1\n")
    assert not code_block_closed("``````")
    tok = ByteTokenizer()
    rule = stop_after_code(tok)
    assert rule.trigger_ids == frozenset({ord("`") + ByteTokenizer.OFFSET})
    assert rule.complete(tok.encode("ok\n```py\nx = 1\n```"))


def test_the_reserved_cache_gives_the_logits_of_a_full_forward_pass_after_rows_are_dropped() -> None:
    model, tok, _ = load_base("tiny", TinyModelConfig(**TINY), 5, torch.float32)
    model.eval()
    ids = torch.tensor([tok.encode("def f(x): return"), tok.encode("print('hi')  # !")])
    steps = torch.tensor([[tok.encode("a")[0]] * 6, [tok.encode("b")[0]] * 6])
    cache = reserved_cache(model, reserve=2)  # smaller than the steps taken: the buffer must grow
    with torch.no_grad():
        model(input_ids=ids, past_key_values=cache, use_cache=True)
        for t in range(6):
            if t == 3:  # row 0 finishes: only row 1 goes on
                cache.batch_select_indices(torch.tensor([1]))
                ids, steps = ids[1:], steps[1:]
            out = model(input_ids=steps[:, t:t + 1], past_key_values=cache, use_cache=True)
            ids = torch.cat([ids, steps[:, t:t + 1]], dim=1)
            full = model(input_ids=ids).logits[:, -1]
            torch.testing.assert_close(out.logits[:, -1], full, rtol=1e-4, atol=1e-4)


def test_draw_samples_each_row_from_its_own_distribution() -> None:
    probs = torch.tensor([[0.0, 1.0, 0.0, 0.0], [0.5, 0.0, 0.0, 0.5], [0.1, 0.2, 0.3, 0.4]])
    gen = torch.Generator().manual_seed(11)
    counts = torch.zeros_like(probs)
    n = 20_000
    for _ in range(n // 100):
        rows = probs.repeat_interleave(100, 0)
        picks = draw(rows, gen).view(3, 100)
        for r in range(3):
            counts[r] += torch.bincount(picks[r], minlength=4)
    assert counts[0].tolist() == [0, n, 0, 0]
    assert counts[1, 1] == 0 and counts[1, 2] == 0
    # Binomial standard deviation at n = 20,000 is at most 0.0036: 0.02 is over five of them.
    torch.testing.assert_close(counts / n, probs, rtol=0, atol=0.02)
    again = draw(probs.repeat_interleave(100, 0), torch.Generator().manual_seed(11))
    assert torch.equal(again, draw(probs.repeat_interleave(100, 0), torch.Generator().manual_seed(11)))
