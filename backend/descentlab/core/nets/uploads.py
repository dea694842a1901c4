"""Datasets a learner uploads as CSV, kept a while under an unguessable id.

An uploaded table is parsed once (``datasets.from_csv``: bounded rows and columns, every
cell checked) and split into train and test; its id then goes wherever a dataset's name
goes (training, landscapes, Hessians, the lecture's experiments). The store is bounded in
count and bytes (the least recently used table goes first) and each table expires after
``TTL_S`` without use, so uploads cannot take the server's memory. With a ``backing``
(``api/redis_uploads.py`` when Redis is configured) the CSV itself is kept there too, so
another process (a web replica, a worker) parses it again, the same way, on first use.
"""

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from descentlab.core.nets.datasets import Dataset, from_csv
from descentlab.core.nets.models import Task

# "csv-" and 16 URL-safe characters (96 random bits): not guessable, so a table is seen
# only by whoever uploaded it and those they share its id with.
UPLOAD_ID = r"csv-[A-Za-z0-9_-]{16}"
MAX_UPLOAD_BYTES = 2 * 2**20  # a 4,000 × 32 table of printed floats is about 1.3 MB
MAX_ROWS = 4000  # a generated dataset's own maximum (train.SampleCount)
MAX_COLUMNS = 32
CAPACITY = 64  # tables kept at once...
MAX_STORE_BYTES = 64 * 2**20  # ...and their arrays' bytes in all
TTL_S = 3600.0  # a table unused this long is forgotten


class UnknownUploadError(KeyError):
    """No table has this id: never uploaded, or expired."""

    def __str__(self) -> str:
        return (
            f"no uploaded dataset {self.args[0]!r}: uploads are kept {TTL_S / 60:.0f} minutes "
            "after their last use; upload the CSV again"
        )


def dataset_bytes(dataset: Dataset) -> int:
    arrays = (dataset.x_train, dataset.y_train, dataset.x_test, dataset.y_test)
    return sum(int(array.nbytes) for array in arrays)


@dataclass(frozen=True)
class UploadRecord:
    """An upload as it came: enough to parse it again, the same way, in another process."""

    text: str
    label: str
    target_column: str | None = None
    task: Task | None = None
    test_fraction: float = 0.25
    seed: int = 0


class UploadBacking(Protocol):
    """Where uploads are kept for other processes (each call counts as a use)."""

    def save(self, upload_id: str, record: UploadRecord) -> None: ...

    def load(self, upload_id: str) -> UploadRecord | None: ...

    def touch(self, upload_id: str) -> None: ...


def parse(record: UploadRecord, upload_id: str) -> Dataset:
    return from_csv(
        record.text,
        record.target_column,
        record.task,
        MAX_ROWS,
        MAX_COLUMNS,
        test_fraction=record.test_fraction,
        seed=record.seed,
        name=upload_id,
    )


@dataclass
class _Kept:
    dataset: Dataset
    label: str
    used: float


class UploadStore:
    """Uploaded datasets by id: at most ``capacity`` tables and ``max_bytes`` of arrays,
    each forgotten ``ttl_s`` after its last use. Thread-safe (jobs read it from workers)."""

    def __init__(
        self,
        capacity: int = CAPACITY,
        max_bytes: int = MAX_STORE_BYTES,
        ttl_s: float = TTL_S,
        clock: Callable[[], float] = time.monotonic,
        backing: UploadBacking | None = None,
    ) -> None:
        self.capacity, self.max_bytes, self.ttl_s, self._clock = capacity, max_bytes, ttl_s, clock
        self.backing = backing
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def add_csv(
        self,
        text: str,
        label: str,
        target_column: str | None = None,
        task: Task | None = None,
        test_fraction: float = 0.25,
        seed: int = 0,
    ) -> tuple[str, Dataset]:
        """Parse ``text`` and keep it: its new id and the dataset. ``ValueError`` names the
        row and column of anything malformed (nothing is kept then)."""
        upload_id = f"csv-{secrets.token_urlsafe(12)}"
        record = UploadRecord(text, label, target_column, task, test_fraction, seed)
        dataset = parse(record, upload_id)
        if self.backing is not None:
            self.backing.save(upload_id, record)
        return upload_id, self._keep(upload_id, dataset, label).dataset

    def _keep(self, upload_id: str, dataset: Dataset, label: str) -> _Kept:
        kept = _Kept(dataset, label, self._clock())
        with self._lock:
            self._forget_expired()
            self._kept[upload_id] = kept
            while len(self._kept) > self.capacity or self._bytes() > self.max_bytes:
                self._kept.popitem(last=False)  # the least recently used
        return kept

    def get(self, upload_id: str) -> Dataset:
        """The dataset (its use keeps it), or ``UnknownUploadError``."""
        return self._touch(upload_id).dataset

    def label(self, upload_id: str) -> str:
        return self._touch(upload_id).label

    def expires_in_s(self, upload_id: str) -> float:
        kept = self._touch(upload_id)
        return kept.used + self.ttl_s - self._clock()

    def __contains__(self, upload_id: object) -> bool:
        with self._lock:
            self._forget_expired()
            return upload_id in self._kept

    def __len__(self) -> int:
        with self._lock:
            self._forget_expired()
            return len(self._kept)

    def _touch(self, upload_id: str) -> _Kept:
        with self._lock:
            self._forget_expired()
            kept = self._kept.get(upload_id)
            if kept is not None:
                kept.used = self._clock()
                self._kept.move_to_end(upload_id)
        if self.backing is None:
            if kept is None:
                raise UnknownUploadError(upload_id)
            return kept
        if kept is not None:  # used here: kept for the other processes too
            self.backing.touch(upload_id)
            return kept
        record = self.backing.load(upload_id)  # uploaded to another process
        if record is None:
            raise UnknownUploadError(upload_id)
        return self._keep(upload_id, parse(record, upload_id), record.label)

    def _bytes(self) -> int:
        return sum(dataset_bytes(kept.dataset) for kept in self._kept.values())

    def _forget_expired(self) -> None:
        now = self._clock()
        for upload_id in [k for k, kept in self._kept.items() if now - kept.used > self.ttl_s]:
            del self._kept[upload_id]


UPLOADS = UploadStore()  # the process's uploads (a job on a worker thread reads them too)
