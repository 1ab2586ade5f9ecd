"""Jobs that run on their own: reminders, digests, nightly matching, offers that expire, fresh indicators.

They run in one scheduler process (`flask --app tracker scheduler run`), never inside the web app: with
several web workers each would run every job. Each run takes a lock and is recorded; the Secretariat sees
the jobs at /admin/jobs, runs one now or pauses it.
"""
