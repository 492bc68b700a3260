"""The Celery settings both demos share, one reason each.

The Django demo takes them as ``CELERY_*`` settings, the Flask demo into its ``CELERY``
mapping. Each app adds only what is its own: the broker, the result backend, the time
zone and beat's schedule.
"""

from shared_tasks.routing import TASK_QUEUES, TASK_ROUTES

CELERY_SETTINGS = {
    # Store the task name, arguments and worker with each result.
    "result_extended": True,
    # JSON only: a pickle message on the queue would be code execution in the worker.
    "accept_content": ["json"],
    "task_serializer": "json",
    "result_serializer": "json",
    # The worker imports these task modules at start-up.
    "imports": ("shared_tasks.mail", "shared_tasks.outbox", "shared_tasks.snippets"),
    # Mail and maintenance in queues of their own; a worker without -Q takes all.
    "task_routes": TASK_ROUTES,
    "task_queues": TASK_QUEUES,
    # Show STARTED in results and Flower, not only PENDING until done.
    "task_track_started": True,
    # A backstop for a task without limits of its own (each demo task sets tighter ones):
    # no task holds a pool process for more than half an hour.
    "task_soft_time_limit": 25 * 60,
    "task_time_limit": 30 * 60,
    # Acknowledge after the task ran, and requeue it if its worker process dies,
    # taking one message at a time: a crash re-runs a task instead of losing it.
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "worker_prefetch_multiplier": 1,
    # On a lost broker connection, stop the tasks it delivered: they can no longer be
    # acknowledged and come back to the queue, so finishing them would run them twice.
    "worker_cancel_long_running_tasks_on_connection_loss": True,
    # Events for Flower, including "sent", so a queued task shows before it starts.
    "worker_send_task_events": True,
    "task_send_sent_event": True,
    # A worker started before the broker waits for it instead of exiting.
    "broker_connection_retry_on_startup": True,
    "broker_transport_options": {
        # A broker that takes connections but never answers must not hang a request.
        # Redis would wait on its socket forever. AMQP stops trying to connect after 4 s,
        # but once connected it waits forever too.
        "socket_timeout": 3,
        "socket_connect_timeout": 3,
        # Over AMQP, a publish waits for its confirm forever when the connection has gone
        # silent (a broker restart whose close never arrived). A read or write that takes
        # 10 s fails instead, and kombu reconnects and sends again.
        "read_timeout": 10,
        "write_timeout": 10,
        # RabbitMQ confirms each publish, so the outbox deletes a row only once the
        # broker has the message. Redis has no confirms and ignores it.
        "confirm_publish": True,
    },
    # Beat records each run as it sends it, not every 3 minutes. Otherwise a beat that
    # crashes and restarts within that window sends the same run again.
    "beat_sync_every": 1,
}
