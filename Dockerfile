# Desk: the API served by waitress (pserve), run as a non-root user.
#   docker compose up --build          (see docker-compose.yml and .env.example)
#   docker build -t desk . && docker run --init -p 8000:8000 \
#       -e DATABASE_URL=postgresql+psycopg://... -e DESK_JWT_SECRET=... desk
# Classic builder compatible (docker-compose 1.29 builds without BuildKit): no heredocs,
# no COPY --chmod.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DESK_ENV=production

WORKDIR /app

RUN groupadd --system --gid 10001 desk \
 && useradd --system --uid 10001 --gid desk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin desk

# 1. Dependencies, from the metadata only: this layer is rebuilt when setup.cfg or
#    pyproject.toml change, not on every code change. A stub package lets pip resolve
#    install_requires; it is uninstalled again right away.
COPY setup.cfg pyproject.toml README.md ./
RUN mkdir desk && touch desk/__init__.py \
 && pip install --no-cache-dir . \
 && pip uninstall --yes desk \
 && rm -rf desk build desk.egg-info

# 2. The package itself (a regular, non-editable install into site-packages).
COPY desk/ desk/
RUN pip install --no-cache-dir --no-deps . \
 && rm -rf build desk.egg-info

# 3. What pserve and alembic read at run time: the ini files (%(here)s is /app) and the
#    migrations (script_location = %(here)s/migrations).
COPY migrations/ migrations/
COPY *.ini ./
COPY docker/entrypoint.sh docker/entrypoint.sh

# The code stays root-owned and read-only for the service; only var/ (production.ini logs
# to var/log/desk.log, development.ini keeps SQLite there) belongs to it.
RUN chmod 0755 docker/entrypoint.sh \
 && mkdir -p var/log \
 && chown -R desk:desk var

USER desk

EXPOSE 8000

# pserve runs as PID 1 (the entrypoint execs it): Python ignores SIGTERM there, but SIGINT
# stops waitress at once. docker-compose.yml also sets init: true.
STOPSIGNAL SIGINT

# Liveness without the database (slim has no curl), on the port the server listens on:
# DESK_HTTP_PORT, else the ini file's [server:main] port (desk/healthcheck.py). Exits 1 on
# anything but a 2xx answer or on no answer.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "desk.healthcheck"]

# No arguments: migrate (alembic -c $DESK_INI upgrade head), then pserve $DESK_INI.
# "migrate" only migrates; any other command runs as given, e.g.
#   docker compose run --rm backend desk-seed production.ini --tickets 100
ENTRYPOINT ["/app/docker/entrypoint.sh"]
