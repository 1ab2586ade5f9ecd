"""Offline work: the XLSX template of an assessment, and uploading it back."""
from flask import Blueprint

bp = Blueprint("assessment_uploads", __name__)
