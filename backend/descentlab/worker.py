"""``descentlab worker``: runs the experiments queued in Redis (``DESCENTLAB_REDIS_URL``).

RQ's ``SimpleWorker`` runs each job in this process, one at a time: JAX is not fork-safe
once imported, so no worker forks. Start as many as the machine has cores for (each job
uses all it can get), on as many machines as you like; ``--queue networks`` on a GPU
machine takes the network jobs only. SIGTERM (``docker stop``) hands the running job back
to the queue at its next progress report, then exits.
"""

import logging
import sys

from descentlab.api.redis_jobs import (
    RedisJobSettings,
    RedisJobStore,
    StoppableWorker,
    Supervisor,
    WorkerContext,
    set_worker_context,
)
from descentlab.api.redis_uploads import RedisUploads
from descentlab.api.schemas.experiments import rebuilt_work
from descentlab.api.settings import Settings
from descentlab.core.nets.uploads import UPLOADS
from descentlab.core.precision import enable_compilation_cache, use_engine_precision


def run_worker(settings: Settings, queues: list[str], burst: bool = False) -> int:
    """Work ``queues`` until stopped (``burst``: until they are empty)."""
    if not settings.redis_url:
        print(
            "descentlab worker: set DESCENTLAB_REDIS_URL (e.g. redis://127.0.0.1:6379/0); "
            "without Redis the web process runs experiments itself",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    use_engine_precision()  # the same numbers as a web process running the job itself
    enable_compilation_cache(settings.compilation_cache_dir, settings.compilation_cache_max_bytes)
    store = RedisJobStore(RedisJobSettings.of(settings))
    UPLOADS.backing = RedisUploads(settings.redis_url, settings.redis_prefix)  # users' CSVs
    set_worker_context(WorkerContext(store, rebuilt_work))
    supervisor = Supervisor(store)
    worker = StoppableWorker(
        [store.queue(name) for name in queues],
        connection=store.client,
        serializer=store.queue(queues[0]).serializer,
    )
    try:
        worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
    finally:
        supervisor.stop()
    return 0
