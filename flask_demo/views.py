import sqlalchemy.exc
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user
from kombu.exceptions import OperationalError
from sqlalchemy import select

from flask_demo.extensions import db
from flask_demo.forms import ContactForm, LoginForm, SignUpForm, SnippetForm
from flask_demo.models import Snippet, User
from flask_demo.tokens import user_id_from
from shared_tasks import outbox
from shared_tasks.mail import send_activation_mail, send_feedback_mail

bp = Blueprint("bin", __name__)


@bp.route("/", methods=["GET", "POST"])
def index():
    form = SnippetForm()
    if form.validate_on_submit():
        snippet = Snippet(
            title=form.title.data or "", code=form.code.data, expiration=form.expiration.data
        )
        db.session.add(snippet)
        db.session.commit()
        return redirect(url_for("bin.snippet", slug=snippet.slug))
    recent = db.session.scalars(Snippet.live().order_by(Snippet.created_at.desc()).limit(10))
    return render_template("index.html", form=form, recent=recent)


@bp.route("/<slug>/")
def snippet(slug):
    found = db.session.scalar(Snippet.live().where(Snippet.slug == slug))
    if found is None:
        abort(404)
    return render_template("snippet.html", snippet=found)


@bp.route("/signup/", methods=["GET", "POST"])
def signup():
    form = SignUpForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, email=form.email.data, is_active=False)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.flush()  # assigns user.id
        # The outbox, not a plain delay: the message is committed with the user
        # and sent after that commit, and if the broker is down it waits for
        # beat's relay. An account without its activation mail is stuck.
        send = outbox.write(send_activation_mail, user_id=user.id, site_url=request.url_root)
        db.session.commit()
        send()
        return render_template("signup_done.html", email=user.email)
    return render_template("signup.html", form=form)


@bp.route("/activate/<token>/")
def activate(token):
    user_id = user_id_from(token)
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        return render_template("activation_invalid.html", already_active=False), 400
    if user.is_active:
        return render_template("activation_invalid.html", already_active=True), 400
    user.is_active = True
    db.session.commit()
    login_user(user)
    flash(f"Welcome, {user.username}: your account is active.")
    return redirect(url_for("bin.index"))


@bp.route("/login/", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is not None and user.check_password(form.password.data) and login_user(user):
            return redirect(url_for("bin.index"))
        form.form_errors.append("Please enter a correct username and password.")
    return render_template("login.html", form=form)


@bp.route("/logout/", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("bin.index"))


@bp.route("/contact/", methods=["GET", "POST"])
def contact():
    form = ContactForm()
    if form.validate_on_submit():
        try:
            # No outbox: the form writes no rows, and the visitor can resend.
            send_feedback_mail.delay(
                name=form.name.data,
                email=form.email.data,
                purpose=form.purpose.data,
                subject=form.subject.data,
                message=form.message.data,
            )
        except OperationalError:
            form.form_errors.append("Your message could not be sent just now: please try again.")
        else:
            flash("Thank you: your message is on its way to the admins.")
            return redirect(url_for("bin.contact"))
    return render_template("contact.html", form=form)


@bp.app_errorhandler(sqlalchemy.exc.OperationalError)
@bp.app_errorhandler(sqlalchemy.exc.InterfaceError)
def database_unavailable(error):
    """A plain page, 503, when the database does not answer."""
    db.session.rollback()
    return render_template("503.html"), 503
