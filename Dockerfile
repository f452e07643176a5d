# The production-like image: gunicorn serves the portal; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KAIGO_VAR_DIR=/var/lib/kaigo
# Pango for WeasyPrint, IPAex fonts so that Japanese PDFs embed a real Japanese font; postgresql-client for
# manage.py backup and restore (pg_dump/pg_restore 15, the server's major version).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-ipaexfont postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app kaigo && mkdir -p /var/lib/kaigo && chown kaigo /var/lib/kaigo

WORKDIR /app
COPY pyproject.toml README.md requirements.lock ./
COPY kaigo_portal ./kaigo_portal
COPY eligibility ./eligibility
COPY certification ./certification
COPY opinions ./opinions
COPY careplans ./careplans
COPY subsidies ./subsidies
COPY consent ./consent
COPY cardreader_agent ./cardreader_agent
COPY templates ./templates
COPY manage.py ./
# The locked versions, each checked by its hash; then the portal itself without resolving again.
RUN pip install --no-cache-dir --require-hashes -r requirements.lock \
 && pip install --no-cache-dir --no-deps . \
 && DEBUG=true python manage.py collectstatic --noinput

USER kaigo
EXPOSE 8000
# gunicorn_conf sends gunicorn's own access and error logs through the portal's redaction.
CMD ["gunicorn", "-c", "python:kaigo_portal.gunicorn_conf", "kaigo_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
