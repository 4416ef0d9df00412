"""The data cursor, against the resume pitfalls of well-known trainers."""
import pytest

from trainer.data import IGNORE, DataCursor, DataError, build_sequence
from trainer.tokenizer import ByteTokenizer


def drain(cursor: DataCursor, batches: int, size: int) -> list[list[int]]:
    return [cursor.next_batch(size) for _ in range(batches)]


def test_each_epoch_is_a_permutation_and_epochs_differ() -> None:
    c = DataCursor(10, seed=3)
    e0 = sum(drain(c, 4, 3), [])  # 3+3+3+1
    e1 = sum(drain(c, 4, 3), [])
    assert sorted(e0) == list(range(10)) and sorted(e1) == list(range(10))
    assert e0 != e1


@pytest.mark.parametrize("consumed", [1, 3, 4, 5, 6, 9])  # mid-epoch, at the epoch boundary, in epoch 1 and 2
def test_resumed_cursor_continues_on_the_same_permutation(consumed: int) -> None:
    """accelerate #4233: a sampler whose generator state is saved mid-epoch resumes on the next
    epoch's permutation. Ours must continue exactly where the uninterrupted one goes."""
    full = DataCursor(10, seed=5)
    expected = drain(full, 12, 3)
    first = DataCursor(10, seed=5)
    head = drain(first, consumed, 3)
    resumed = DataCursor(10, seed=5)
    resumed.load_state_dict(first.state_dict())
    assert head + drain(resumed, 12 - consumed, 3) == expected


def test_cursor_refuses_a_state_from_other_data() -> None:
    c = DataCursor(10, seed=5)
    c.next_batch(3)
    other = DataCursor(11, seed=5)
    with pytest.raises(DataError, match="same data"):
        other.load_state_dict(c.state_dict())
    tampered = {**c.state_dict(), "order_digest": "0" * 16}
    with pytest.raises(DataError, match="order"):
        DataCursor(10, seed=5).load_state_dict(tampered)


def test_prompt_tokens_are_masked_and_completion_ends_with_eos() -> None:
    tok = ByteTokenizer()
    seq = build_sequence(tok, "fix:", "ab", max_length=64)
    n_prompt = 1 + len("fix:")  # bos + bytes
    assert seq.labels[:n_prompt] == [IGNORE] * n_prompt
    assert seq.labels[n_prompt:] == tok.encode("ab") + [tok.eos_id]
    assert seq.input_ids[n_prompt:] == seq.labels[n_prompt:]
