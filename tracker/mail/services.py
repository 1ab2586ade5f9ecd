"""Mail goes to the outbox in the same transaction as the change that caused it; the `deliver_mail` job
(tracker/notifications/jobs.py) sends it. Only that job sends, so no message goes out twice from two senders."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.mail.models import OutboxMessage

log = logging.getLogger(__name__)


MAX_SUBJECT = 300  # the column's length; a title may take that much on its own


def send_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    # A subject is one line: a line break from a name or title in it would make the header invalid, and the
    # delivery of every later message would stop at this one.
    subject = " ".join(subject.split())
    if len(subject) > MAX_SUBJECT:
        subject = subject[:MAX_SUBJECT - 1] + "…"
    message = OutboxMessage(created_at=utcnow(), recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    log.info("Mail to %s: %s\n%s", recipient, subject, body)
    return message


def deliver_pending(limit: int = 100) -> int:
    """Send unsent outbox messages over SMTP, if configured. Returns how many were sent. Commits after each
    message, so a crash while sending resends at most that one."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return 0
    pending = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
    ).all()
    sent = 0
    for message in pending:
        mail = EmailMessage()
        mail["From"] = config["MAIL_FROM"]
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            message.error = str(exc)
            log.warning("Mail to %s not sent: %s", message.recipient, exc)
            db.session.commit()
            continue
        message.sent_at = utcnow()
        message.error = ""
        db.session.commit()
        sent += 1
    return sent
