"""Mail goes to the outbox in the same transaction as the change that caused it."""
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, g

from tracker.clock import utcnow
from tracker.extensions import db
from tracker.mail.models import OutboxMessage

log = logging.getLogger(__name__)


def send_mail(recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(created_at=utcnow(), recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    log.info("Mail to %s: %s\n%s", recipient, subject, body)
    g.outbox_pending = True
    return message


def deliver_pending(limit: int = 100) -> int:
    """Send unsent outbox messages over SMTP, if configured. Returns how many were sent."""
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
            continue
        message.sent_at = utcnow()
        message.error = ""
        sent += 1
    db.session.commit()
    return sent
