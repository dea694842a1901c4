"""Long work in timed pieces: every unit once, in order, a check between pieces, pieces
sized from the time the last one took (a fake clock here: no timing in the test)."""

import pytest

from descentlab.core.nets import chunks


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def test_pieces_cover_the_range_once_with_a_check_between_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(chunks.time, "perf_counter", clock.perf_counter)
    pieces: list[tuple[int, int]] = []
    checks: list[int] = []

    def run(start: int, stop: int) -> None:
        pieces.append((start, stop))
        clock.now += 0.01 * (stop - start) + (5.0 if start == 0 else 0.0)  # a compile first

    count = chunks.in_timed_pieces(100, run, lambda: checks.append(pieces[-1][1]), 0.25)
    covered = [unit for start, stop in pieces for unit in range(start, stop)]
    assert covered == list(range(100))
    assert count == len(pieces) and checks == [stop for _, stop in pieces[:-1]]
    # The first piece (with its compile) is one unit, so is the next; then 0.25 s / 0.01 s.
    assert [stop - start for start, stop in pieces[:3]] == [1, 1, 25]


def test_nobody_checking_means_one_piece() -> None:
    pieces: list[tuple[int, int]] = []
    assert chunks.in_timed_pieces(7, lambda a, b: pieces.append((a, b)), None) == 1
    assert pieces == [(0, 7)]
    assert chunks.in_timed_pieces(0, lambda a, b: pieces.append((a, b)), None) == 0


def test_a_check_that_raises_stops_the_work() -> None:
    done: list[int] = []

    def stop() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        chunks.in_timed_pieces(50, lambda a, b: done.append(b), stop)
    assert done == [1]
