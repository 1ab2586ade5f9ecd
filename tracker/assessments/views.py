from flask import Blueprint

from tracker.assessments import models  # noqa: F401

bp = Blueprint("assessments", __name__)
