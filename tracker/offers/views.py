"""The offers catalogue and providers' offer pages."""
from flask import Blueprint

from tracker.offers import models  # noqa: F401

bp = Blueprint("offers", __name__)
