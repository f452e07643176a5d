"""gunicorn's settings for the portal: `gunicorn -c python:kaigo_portal.gunicorn_conf kaigo_portal.wsgi`.

The Dockerfile and the API benchmark start gunicorn with it. Its one job here is the logs: gunicorn's own
access and error logs go through the portal's redaction (kaigo_portal.logging.GunicornLogger), so no query
string, API key, password-reset key or 12-digit number is ever written. Everything else (bind, workers)
stays on the command line.
"""

logger_class = "kaigo_portal.logging.GunicornLogger"
# The combined format, with the request line as the logger class rebuilds it (no query string).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
