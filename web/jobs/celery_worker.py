"""Planning jobs on Celery workers: the Celery app, its one task and the lost-worker sweep.

With ``PATROL_BROKER_URL`` set (a Redis URL such as ``redis://host:6379/0``), the web app and
``patrol city plan`` send each job's id to the broker and ``patrol worker`` processes run them
(:func:`web.jobs.queue.run_job` with ``stored=True``). The database is the record of every job: its
inputs (``inputs.zip``), state, attempts and result live there, the broker only carries ids,
so a worker on another machine needs the database URL and the broker URL, never the web
server's disk.

Faults, and what handles them:

- A worker process killed while it solves (``kill -9`` of a pool process): the message is
  acknowledged only when the task ends (``task_acks_late``) and is given back to the queue
  when its process is lost (``task_reject_on_worker_lost``), so another process runs it.
- A whole worker lost (``kill -9`` of its main process, a machine gone): its job's heartbeat
  stops; the other workers' sweep (:class:`Sweep`) queues the job again once the heartbeat is
  older than the lease (:func:`web.jobs.queue.requeue_lost`, one sweep wins) and sends it once. The
  broker also hands the unacknowledged message back after ``visibility_timeout``; a job
  already done is then skipped.
- Duplicates: a job is claimed by one conditional ``UPDATE`` and its result is written once
  (:func:`web.jobs.queue._store_result`), so a message delivered twice does no harm.
- A broker restart: Redis keeps the queue when it persists to disk (``appendonly yes``,
  see the README); jobs are also still queued in the database.
- A job that fails again and again: each start counts as an attempt; after ``JOB_ATTEMPTS``
  it ends as failed with the reason of the last one, shown on the job page.

One job uses ``JOB_CORES`` cores (default 1), so ``patrol worker --concurrency N`` with N
the machine's cores keeps the machine busy without oversubscribing it.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any

from geodata.errors import InputError

if TYPE_CHECKING:
    from celery import Celery
    from flask import Flask

logger = logging.getLogger("web")

TASK = "patrol.run_job"
"""Name of the task that runs one planning job (its argument: the job id)."""

QUEUE = "patrol-plans"
"""The broker queue of planning jobs."""

VISIBILITY_TIMEOUT = 3 * 3600
"""Seconds after which Redis hands an unacknowledged job message to another worker
(``PATROL_BROKER_VISIBILITY``): longer than the longest job, since the lease
(:func:`web.jobs.queue.lease_seconds`) is what takes over from a lost worker quickly."""

_apps: dict[str, Any] = {}
_apps_lock = threading.Lock()


def make_celery(broker: str) -> Celery:
    """Return a Celery app for ``broker`` with the planning task and late acknowledgement.

    Parameters
    ----------
    broker
        The broker URL (Redis).
    """
    from celery import Celery

    visibility = int(os.environ.get("PATROL_BROKER_VISIBILITY") or VISIBILITY_TIMEOUT)
    celery = Celery("patrol", broker=broker, set_as_current=False)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": visibility},
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    celery.task(name=TASK)(run_plan_job)
    return celery


def celery_for(app: Flask) -> Celery:
    """Return the Celery app of ``app``'s broker (made once per app)."""
    from web.jobs.queue import broker_url

    celery = app.extensions.get("patrol_celery")
    if celery is None:
        url = broker_url(app)
        if not url:
            msg = "No broker is set: PATROL_BROKER_URL names the Celery broker."
            raise RuntimeError(msg)
        celery = make_celery(url)
        app.extensions["patrol_celery"] = celery
    return celery


def send_job(app: Flask, job_id: int) -> None:
    """Send job ``job_id`` to the workers through the broker."""
    celery_for(app).send_task(TASK, args=[int(job_id)], queue=QUEUE)


_dispatch_lock = threading.Lock()


def dispatch_pending(app: Flask) -> int:
    """Send every queued job not yet handed to the broker; return how many were sent.

    Each job's data is first kept in the database (:func:`web.jobs.queue.prepare_stored_job`); a
    job whose data cannot be packed ends as failed with the reason, as in process. A job the
    broker does not take (it is down) stays queued and is sent at the next call.
    """
    from kombu.exceptions import OperationalError
    from sqlalchemy import select

    from web.db import Job, JobFile, new_session
    from web.jobs.queue import INPUTS_FILE, finish_job, prepare_stored_job
    from web.plans.store import read_job_file

    sent = 0
    with _dispatch_lock, new_session(app) as session:
        waiting = session.scalars(select(Job).where(Job.status == "queued").order_by(Job.id)).all()
        for job in waiting:
            if read_job_file(session, job.id, INPUTS_FILE) is not None:
                continue
            try:
                prepare_stored_job(app, session, job)
            except InputError as exc:
                session.rollback()
                finish_job(app, job.id, "failed", str(exc))
                continue
            try:
                send_job(app, job.id)
            except OperationalError:
                logger.warning("The broker did not take job %d; it stays queued.", job.id)
                session.delete(session.get(JobFile, (job.id, INPUTS_FILE)))
                session.commit()
                break
            sent += 1
    return sent


def init_broker(app: Flask) -> None:
    """Make ``app`` send its planning jobs to the broker (:func:`web.jobs.queue.wake_worker`)."""
    app.extensions["patrol_dispatch"] = dispatch_pending


def worker_app() -> Flask:
    """Return the Flask app (its database) of this worker, set by :func:`start_worker`."""
    with _apps_lock:
        return _apps["worker"]  # type: ignore[no-any-return]


def forget_inherited_connections() -> None:
    """Leave the database connections a forked pool process inherited to its parent.

    SQLAlchemy's advice for ``fork``: ``Engine.dispose(close=False)`` in the child, which
    then opens its own connections at its first job.
    """
    from web.db import engine_of

    with _apps_lock:
        for app in _apps.values():
            engine_of(app).dispose(close=False)


def run_plan_job(job_id: int) -> str:
    """Run planning job ``job_id`` from the database; the Celery task :data:`TASK`.

    Returns
    -------
    str
        The job's status after this run (``superseded`` when another worker owns it).
    """
    from web.jobs.queue import run_job

    app = worker_app()
    status = run_job(app, int(job_id), stored=True)
    if status == "retry":
        send_job(app, int(job_id))
    logger.info("Job %s: %s.", job_id, status)
    return status


class Sweep(threading.Thread):
    """Queues and sends again the running jobs whose worker stopped renewing their heartbeat.

    Every worker runs one in its main process; :func:`web.jobs.queue.claim_job` decides which
    worker takes a job over, so several sweeps do no harm.
    """

    def __init__(self, app: Flask) -> None:
        super().__init__(name="patrol-sweep", daemon=True)
        self.app = app
        self.stop = threading.Event()

    def run(self) -> None:
        """Look for lost jobs every half lease."""
        from web.jobs.queue import lease_seconds, requeue_lost

        every = lease_seconds(self.app) / 2
        while not self.stop.wait(every):
            try:
                for job_id in requeue_lost(self.app):
                    logger.warning("Job %d lost its worker; sending it again.", job_id)
                    send_job(self.app, job_id)
            except Exception:  # the sweep must outlive a database or broker hiccup
                logger.warning("The sweep for lost jobs failed.", exc_info=True)


def start_worker(app: Flask, concurrency: int, *, loglevel: str = "INFO") -> None:
    """Run a Celery worker of ``concurrency`` pool processes for ``app``'s broker (blocks).

    Each pool process runs one job at a time; the main process runs the :class:`Sweep`.
    """
    from celery import signals

    celery = celery_for(app)
    with _apps_lock:
        _apps["worker"] = app

    def _ready(**_kwargs: Any) -> None:
        Sweep(app).start()

    def _child(**_kwargs: Any) -> None:
        forget_inherited_connections()

    signals.worker_ready.connect(_ready, weak=False)
    signals.worker_process_init.connect(_child, weak=False)
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        "--pool=prefork",
        f"--loglevel={loglevel}",
        f"--queues={QUEUE}",
        "--without-gossip",
        "--without-mingle",
        f"--hostname=patrol-{os.getpid()}@%h",
    ]
    celery.worker_main(argv=argv)
