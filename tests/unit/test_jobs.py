"""The job runner: lifecycle, progress, cancellation, failures, reuse, bounds, events."""

import asyncio
import re
import threading
from collections.abc import Callable, Iterator

import jsonpatch
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from descentlab.api.jobs import (
    JobManager,
    NotYoursError,
    QueueFullError,
    ShareUsedError,
    json_patch,
    new_job_id,
)

Progress = Callable[[float], None]


@pytest.fixture
def jobs() -> Iterator[JobManager]:
    manager = JobManager(workers=1, max_waiting=1, keep=2, ttl_s=900)
    yield manager
    manager.shutdown()


def blocking_work(release: threading.Event, started: threading.Event) -> Callable[[Progress], str]:
    """Work that reports progress until `release` is set."""

    def work(progress: Progress) -> str:
        started.set()
        progress(0.25)
        while not release.wait(0.01):
            progress(0.5)
        return "finished"

    return work


def wait_until(condition: Callable[[], bool]) -> None:
    done = threading.Event()
    for _ in range(500):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition never held")


def test_a_job_goes_queued_running_done_with_progress(jobs: JobManager) -> None:
    release, started = threading.Event(), threading.Event()
    job = jobs.submit("demo", "a", blocking_work(release, started))
    assert job.status in ("queued", "running")
    started.wait(5)
    wait_until(lambda: job.progress >= 0.25)
    assert job.status == "running"
    release.set()
    wait_until(lambda: job.status == "done")
    assert job.public() == {
        "id": job.id,
        "kind": "demo",
        "status": "done",
        "progress": 1.0,
        "result": "finished",
        "error": None,
        "partial": None,
    }


def test_a_partial_result_is_shown_while_running_and_dropped_when_done(jobs: JobManager) -> None:
    release, reported = threading.Event(), threading.Event()

    def work(progress: Callable[..., None]) -> str:
        progress(0.5, {"curve": [1, 2]})
        reported.set()
        release.wait(5)
        progress(0.75)  # a report without a partial keeps the last one
        return "finished"

    job = jobs.submit("demo", "partial", work)
    reported.wait(5)
    assert job.public()["partial"] == {"curve": [1, 2]}
    assert job.progress == 0.5
    release.set()
    wait_until(lambda: job.status == "done")
    assert job.public()["partial"] is None
    assert job.result == "finished"


def test_cancelling_a_running_job_stops_it_at_its_next_report(jobs: JobManager) -> None:
    release, started = threading.Event(), threading.Event()
    job = jobs.submit("demo", "a", blocking_work(release, started))
    started.wait(5)
    jobs.cancel(job.id)
    wait_until(lambda: job.status == "cancelled")
    assert job.result is None


def test_a_queued_job_cancels_at_once_and_never_runs(jobs: JobManager) -> None:
    release, started = threading.Event(), threading.Event()
    first = jobs.submit("demo", "a", blocking_work(release, started))
    ran = threading.Event()
    second = jobs.submit("demo", "b", lambda progress: ran.set())
    assert second.status == "queued"
    jobs.cancel(second.id)
    assert second.status == "cancelled"
    release.set()
    wait_until(lambda: first.status == "done")
    assert not ran.wait(0.1)


def test_a_failure_is_reported_not_raised_and_not_reused(jobs: JobManager) -> None:
    def broken(progress: Progress) -> None:
        raise ValueError("no such thing")

    job = jobs.submit("demo", "a", broken)
    wait_until(lambda: job.status == "failed")
    assert job.error == "ValueError: no such thing"
    retry = jobs.submit("demo", "a", lambda progress: 42)
    assert retry.id != job.id
    wait_until(lambda: retry.status == "done")
    assert retry.result == 42


def test_identical_requests_share_a_job(jobs: JobManager) -> None:
    job = jobs.submit("demo", "same", lambda progress: 1)
    wait_until(lambda: job.status == "done")
    assert jobs.submit("demo", "same", lambda progress: 2) is job
    assert jobs.submit("demo", "other", lambda progress: 3) is not job


def test_a_cancel_withdraws_only_that_clients_interest(jobs: JobManager) -> None:
    release, started = threading.Event(), threading.Event()
    job = jobs.submit("demo", "a", blocking_work(release, started), client="tab-1")
    assert jobs.submit("demo", "a", lambda progress: 0, client="tab-2") is job
    started.wait(5)
    assert jobs.cancel(job.id, "tab-1") == job.public()
    assert job.status == "running" and not job.cancel_requested.is_set()
    assert [entry["id"] for entry in jobs.mine("tab-2")] == [job.id]
    assert jobs.mine("tab-1") == []
    jobs.cancel(job.id, "tab-2")  # the last one who wanted it
    wait_until(lambda: job.status == "cancelled")
    # The identical request now starts afresh instead of joining the cancelled work.
    again = jobs.submit("demo", "a", lambda progress: 7, client="tab-1")
    assert again is not job
    wait_until(lambda: again.status == "done")
    assert again.result == 7


def test_only_a_submitter_may_cancel(jobs: JobManager) -> None:
    release, started = threading.Event(), threading.Event()
    job = jobs.submit("demo", "a", blocking_work(release, started), client="tab-1")
    with pytest.raises(NotYoursError):
        jobs.cancel(job.id, "tab-2")
    assert not job.cancel_requested.is_set()
    assert jobs.cancel("no-such-job", "tab-2") is None
    release.set()
    wait_until(lambda: job.status == "done")
    assert jobs.cancel(job.id, "tab-1")["status"] == "done"  # a finished job stays as it is


def test_a_clients_list_shows_what_it_submitted_oldest_first() -> None:
    jobs = JobManager(workers=1)
    first = jobs.submit("demo", "a", lambda progress: 1, client="tab-1")
    wait_until(lambda: first.status == "done")
    second = jobs.submit("demo", "b", lambda progress: 2, client="tab-1")
    jobs.submit("demo", "c", lambda progress: 3, client="tab-2")
    wait_until(lambda: second.status == "done")
    listed = jobs.mine("tab-1")
    assert [entry["id"] for entry in listed] == [first.id, second.id]
    assert listed[0] == {
        "id": first.id,
        "kind": "demo",
        "status": "done",
        "progress": 1.0,
        "submitted": first.clients["tab-1"],
    }
    joined = jobs.submit("demo", "c", lambda progress: 3, client="tab-1")  # tab-2's, later
    assert [entry["id"] for entry in jobs.mine("tab-1")][-1] == joined.id
    jobs.shutdown()


def test_the_queue_is_bounded(jobs: JobManager) -> None:
    release, started = threading.Event(), threading.Event()
    jobs.submit("demo", "a", blocking_work(release, started))  # running
    jobs.submit("demo", "b", lambda progress: None)  # waiting (max_waiting=1)
    with pytest.raises(QueueFullError):
        jobs.submit("demo", "c", lambda progress: None)
    release.set()


def test_one_client_cannot_take_more_than_its_share_of_the_queue() -> None:
    jobs = JobManager(workers=1, max_waiting=4, share=2)
    release, started = threading.Event(), threading.Event()
    try:
        first = jobs.submit("demo", "a", blocking_work(release, started), owner="10.0.0.1")
        second = jobs.submit("demo", "b", lambda progress: None, owner="10.0.0.1")
        with pytest.raises(ShareUsedError, match="at most 2 at once"):
            jobs.submit("demo", "c", lambda progress: None, owner="10.0.0.1")
        # Another client still gets in, and anyone may join a job already queued.
        other = jobs.submit("demo", "d", lambda progress: None, owner="10.0.0.2")
        assert jobs.submit("demo", "b", lambda progress: None, owner="10.0.0.1") is second
        release.set()
        wait_until(lambda: all(job.status == "done" for job in (first, second, other)))
        jobs.submit("demo", "c", lambda progress: None, owner="10.0.0.1")  # a share freed
    finally:
        release.set()
        jobs.shutdown()


def test_a_job_past_its_time_limit_is_stopped_and_reported_failed() -> None:
    jobs = JobManager(workers=1, time_limit_s=0.2)
    reports = []

    def endless(progress: Progress) -> None:
        while True:
            progress(0.5)
            reports.append(1)
            threading.Event().wait(0.01)

    try:
        job = jobs.submit("demo", "endless", endless)
        wait_until(lambda: job.status in ("done", "failed", "cancelled"))
        assert job.status == "failed"
        assert (
            job.error
            == "stopped after 0.2 s, the time limit per experiment; choose smaller parameters"
        )
        assert reports  # it ran, then was stopped
    finally:
        jobs.shutdown()


def test_only_a_bounded_number_of_finished_jobs_is_kept(jobs: JobManager) -> None:
    finished = []
    for key in "abcd":
        job = jobs.submit("demo", key, lambda progress: None)
        wait_until(lambda job=job: job.status == "done")
        finished.append(job)
    jobs.submit("demo", "e", lambda progress: None)  # submitting forgets the oldest
    kept = [job.id for job in finished if jobs.get(job.id) is not None]
    assert kept == [finished[2].id, finished[3].id]


def test_events_follow_the_job_until_it_finishes(jobs: JobManager) -> None:
    release, started = threading.Event(), threading.Event()
    job = jobs.submit("demo", "a", blocking_work(release, started))
    started.wait(5)
    seen = []

    async def follow() -> None:
        async for event in jobs.events(job.id, heartbeat_s=0.05):
            if event is None:  # a heartbeat: the job is quiet, so let it finish
                release.set()
                continue
            seen.append(event.status)

    asyncio.run(follow())
    assert seen[-1] == "done"
    assert "running" in seen


def test_a_stream_sends_the_whole_job_once_then_only_the_new_points(jobs: JobManager) -> None:
    """A partial result whose curve grows: each later event is the new point, and applying
    the patches (with jsonpatch, an independent implementation) gives the job itself."""
    received = threading.Semaphore(0)  # one per event the stream got: the job's pace

    def growing(progress: Callable[..., None]) -> str:
        curve: list[float] = []
        for step in range(40):
            curve = [*curve, 1.0 / (step + 1)]
            progress(step / 40, {"history": {"loss": curve}, "latest": {"step": step}})
            assert received.acquire(timeout=5)
        return "finished"

    job = jobs.submit("demo", "grow", growing)
    events = []

    async def follow() -> None:
        async for event in jobs.events(job.id):
            if event is not None:
                events.append(event)
                received.release()

    asyncio.run(follow())
    assert events[0].name == "snapshot" and events[-1].name == "snapshot"
    patches = events[1:-1]
    assert patches and all(event.name == "patch" for event in patches)
    rebuilt = orjson.loads(events[0].data)
    for event in patches:
        operations = orjson.loads(event.data)
        appended = [op for op in operations if op["path"] == "/partial/history/loss/-"]
        assert len(appended) == 1  # one new point, never the curve again
        rebuilt = jsonpatch.apply_patch(rebuilt, operations)
    assert rebuilt["partial"] == {
        "history": {"loss": [1.0 / (step + 1) for step in range(40)]},
        "latest": {"step": 39},
    }
    assert orjson.loads(events[-1].data)["result"] == "finished"


def test_a_stream_that_fell_behind_the_kept_patches_gets_the_whole_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("descentlab.api.jobs.KEPT_PATCHES", 3)
    jobs = JobManager(workers=1)
    started, received = threading.Event(), threading.Semaphore(0)

    def many(progress: Callable[..., None]) -> None:
        for step in range(10):
            progress(step / 10, {"step": step})
        started.set()
        assert received.acquire(timeout=5)
        progress(0.95, {"step": 10})
        assert received.acquire(timeout=5)

    job = jobs.submit("demo", "many", many)
    assert started.wait(5)
    names = []

    async def follow() -> None:
        async for event in jobs.events(job.id):
            if event is not None:
                names.append(event.name)
                received.release()

    asyncio.run(follow())
    jobs.shutdown()
    assert names[0] == "snapshot"  # eleven changes so far, three kept: the whole job
    assert names[1:] == ["patch", "snapshot"]


JSON = st.recursive(  # what strict JSON can carry: finite floats, 64-bit integers
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON, JSON)
def test_the_patch_turns_one_document_into_the_other(before: object, after: object) -> None:
    operations = orjson.loads(orjson.dumps(json_patch("", before, after)))
    assert jsonpatch.apply_patch(before, operations) == after


@given(st.lists(st.floats(allow_nan=False), max_size=8), st.lists(st.floats(), max_size=4))
def test_a_grown_list_costs_only_its_new_items(start: list[float], more: list[float]) -> None:
    operations = json_patch("/x", start, start + more)
    assert operations == [{"op": "add", "path": "/x/-", "value": item} for item in more]


def test_a_list_given_again_or_holding_arrays_is_written_whole() -> None:
    import numpy as np

    curve = [1.0, 2.0]
    assert json_patch("/x", curve, curve) == [{"op": "add", "path": "/x", "value": curve}]
    arrays = [np.zeros(3), np.ones(3)]
    grown = [np.zeros(3), np.ones(3), np.ones(3)]  # equal items, not the same objects
    assert json_patch("/x", arrays, grown) == [{"op": "add", "path": "/x", "value": grown}]


def test_a_stream_many_changes_behind_gets_the_whole_job_and_a_finished_job_no_patches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("descentlab.api.jobs.MAX_PATCHES_AT_ONCE", 2)
    jobs = JobManager(workers=1)
    first, received = threading.Semaphore(0), threading.Semaphore(0)

    def work(progress: Callable[..., None]) -> None:
        progress(0.1, {"step": 0})
        assert first.acquire(timeout=5)  # the stream has the whole job
        for step in range(1, 6):  # five changes before it reads again: more than 2
            progress(0.1 + step / 10, {"step": step})
        received.release()
        assert first.acquire(timeout=5)

    job = jobs.submit("demo", "behind", work)
    names = []

    async def follow() -> None:
        async for event in jobs.events(job.id):
            if event is None:
                continue
            names.append(event.name)
            if len(names) == 1:
                first.release()
                assert received.acquire(timeout=5)
            elif len(names) == 2:
                first.release()

    asyncio.run(follow())
    jobs.shutdown()
    assert names[:2] == ["snapshot", "snapshot"]
    assert len(job.patches) == 0


def test_job_ids_cannot_be_guessed_or_walked(jobs: JobManager) -> None:
    """128 random bits each: no counter to step through, no shared prefix to learn from."""
    ids = [new_job_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", job_id) for job_id in ids)
    assert len({job_id[:4] for job_id in ids}) > 1900  # no common prefix, no sequence
    job = jobs.submit("demo", "some key", lambda progress: None)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", job.id)
