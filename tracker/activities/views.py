from flask import Blueprint

from tracker.activities import models  # noqa: F401

bp = Blueprint("activities", __name__)
