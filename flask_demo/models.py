from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_login import UserMixin
from sqlalchemy import and_, delete, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from flask_demo.extensions import db
from shared_tasks.choices import expiry_time, new_slug
from shared_tasks.outbox import TaskMessage


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no time zone, so every stored time is UTC without one."""
    return naive_utc(datetime.now(UTC))


def naive_utc(moment: datetime) -> datetime:
    """``moment`` as stored: an aware time in UTC without its zone; a naive one is UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class User(UserMixin, db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(150), unique=True, nullable=False)
    email = db.Column(db.String(254), unique=True, nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)
    # Flask-Login refuses to log in a user whose is_active is False.
    is_active = db.Column(db.Boolean, nullable=False, default=False)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Snippet(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(16), unique=True, nullable=False, default=new_slug)
    title = db.Column(db.String(200), nullable=False, default="")
    code = db.Column(db.Text, nullable=False)
    expiration = db.Column(db.String(8), nullable=False, default="never")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    # Stored and indexed, so both the 404 check and the sweep are one index range scan.
    expires_at = db.Column(db.DateTime, nullable=True, index=True)

    def __init__(self, **fields):
        super().__init__(**fields)
        self.created_at = self.created_at or utcnow()
        self.expires_at = expiry_time(self.expiration or "never", self.created_at)

    def __str__(self):
        return self.title or f"Untitled snippet {self.slug}"

    @staticmethod
    def live(now: datetime | None = None):
        """Snippets still visible: an expired one is gone before the sweep deletes it."""
        now = now or utcnow()
        return select(Snippet).where(or_(Snippet.expires_at.is_(None), Snippet.expires_at > now))

    # The sweep's statements; shared_tasks.snippets.sweep decides the batches.

    @staticmethod
    def expiring(start: datetime | None, end: datetime, *, inclusive: bool = True):
        """The condition for snippets expiring from ``start`` (None: the first) to ``end``."""
        end = naive_utc(end)
        condition = Snippet.expires_at <= end if inclusive else Snippet.expires_at < end
        if start is not None:
            condition = and_(Snippet.expires_at >= naive_utc(start), condition)
        return condition

    @staticmethod
    def batch_end(start: datetime | None, now: datetime, size: int) -> datetime | None:
        # The ORDER BY makes PostgreSQL walk the index. Without it, PostgreSQL planned a
        # sequential scan once most rows had expired.
        times = select(Snippet.expires_at).where(Snippet.expiring(start, now))
        return db.session.scalar(times.order_by(Snippet.expires_at).offset(size - 1).limit(1))

    @staticmethod
    def delete_before(start: datetime | None, end: datetime) -> int:
        return Snippet._delete(Snippet.expiring(start, end, inclusive=False))

    @staticmethod
    def delete_at(moment: datetime, limit: int) -> int:
        keys = select(Snippet.id).where(Snippet.expires_at == naive_utc(moment)).limit(limit)
        return Snippet._delete(Snippet.id.in_(db.session.scalars(keys).all()))

    @staticmethod
    def delete_expired(start: datetime | None, now: datetime) -> int:
        return Snippet._delete(Snippet.expiring(start, now))

    @staticmethod
    def _delete(condition) -> int:
        deleted = db.session.execute(delete(Snippet).where(condition)).rowcount
        db.session.commit()
        return deleted


class OutboxMessage(db.Model):
    """A task message written with the rows it is about (see ``shared_tasks.outbox``)."""

    # The task id the message is sent with, so its result row can be found.
    id = db.Column(db.String(36), primary_key=True)
    task = db.Column(db.String(200), nullable=False)
    kwargs = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    # The outbox table as the shared tasks use it (shared_tasks.framework.Outbox).

    @staticmethod
    def add(message: TaskMessage) -> None:
        """Added to the session: the view's commit writes it with its rows."""
        db.session.add(OutboxMessage(id=message.id, task=message.task, kwargs=message.kwargs))

    @staticmethod
    def waiting(older_than: float, limit: int) -> list[TaskMessage]:
        cutoff = utcnow() - timedelta(seconds=older_than)
        rows = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.created_at <= cutoff)
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
        return [TaskMessage(row.task, row.kwargs, row.id) for row in rows]

    @staticmethod
    def remove(message: TaskMessage) -> None:
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id == message.id))
        db.session.commit()
