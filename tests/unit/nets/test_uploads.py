"""The store of uploaded CSV tables: bounded in count and bytes, forgotten after a while
without use, ids that cannot be guessed."""

import re

import pytest

from descentlab.core.nets.uploads import (
    UPLOAD_ID,
    UnknownUploadError,
    UploadStore,
    dataset_bytes,
)


def _table(rows: int, columns: int = 2, offset: int = 0) -> str:
    header = ",".join(f"f{j}" for j in range(columns)) + ",label\n"
    body = "".join(
        ",".join(str((i * (j + 3) + offset) % 11) for j in range(columns)) + f",{'ab'[i % 2]}\n"
        for i in range(rows)
    )
    return header + body


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_upload_gets_a_fresh_unguessable_id_and_its_parsed_table() -> None:
    store = UploadStore()
    ids = set()
    for _ in range(20):
        upload_id, dataset = store.add_csv(_table(40), "mine")
        assert re.fullmatch(UPLOAD_ID, upload_id) and dataset.name == upload_id
        ids.add(upload_id)
    assert len(ids) == 20
    assert store.get(upload_id) is dataset and store.label(upload_id) == "mine"
    assert list(dataset.feature_names) == ["f0", "f1"]
    assert dataset.x_train.shape[0] + dataset.x_test.shape[0] == 40


def test_a_malformed_table_is_refused_and_nothing_is_kept() -> None:
    store = UploadStore()
    with pytest.raises(ValueError, match=r"row 3, column 1"):
        store.add_csv("f0,f1,label\n1,2,a\nx,3,b\n4,5,a\n6,7,b\n8,9,a\n", "bad")
    assert len(store) == 0


def test_beyond_its_capacity_the_least_recently_used_table_goes() -> None:
    store = UploadStore(capacity=3)
    first, _ = store.add_csv(_table(20), "1")
    second, _ = store.add_csv(_table(20), "2")
    third, _ = store.add_csv(_table(20), "3")
    store.get(first)  # used: now the most recent
    fourth, _ = store.add_csv(_table(20), "4")
    assert second not in store
    assert all(kept in store for kept in (first, third, fourth))
    with pytest.raises(UnknownUploadError, match="upload the CSV again"):
        store.get(second)


def test_the_tables_bytes_are_bounded_whatever_their_count() -> None:
    one = UploadStore().add_csv(_table(400, columns=8), "x")[1]
    store = UploadStore(capacity=100, max_bytes=3 * dataset_bytes(one))
    for n in range(10):
        store.add_csv(_table(400, columns=8, offset=n), str(n))
    assert len(store) == 3


def test_a_table_unused_past_its_time_is_forgotten_and_use_keeps_it() -> None:
    clock = Clock()
    store = UploadStore(ttl_s=60, clock=clock)
    used, _ = store.add_csv(_table(20), "used")
    idle, _ = store.add_csv(_table(20), "idle")
    clock.now += 50
    store.get(used)
    assert store.expires_in_s(used) == pytest.approx(60)
    clock.now += 20  # idle: 70 s without use; used: 20 s
    assert used in store and idle not in store
