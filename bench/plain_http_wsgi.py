"""The production app for bench/run.py's gunicorn, served over plain HTTP on 127.0.0.1.

Everything is production (CASEFLOW_ENVIRONMENT=production: keys and secret from configuration,
PostgreSQL, Redis, JSON logs) except that session cookies are not marked Secure: the bench talks
HTTP on the loopback address, where a browser, or locust, would never send a Secure cookie back.
Production refuses CASEFLOW_SECURE_COOKIES=false, so, as the test suite's live server and
`caseflow demo` do, the flag is turned off on the app itself after it is built.
"""
from caseflow.wsgi import app

app.config["SESSION_COOKIE_SECURE"] = False
app.config["REMEMBER_COOKIE_SECURE"] = False
