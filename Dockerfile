# One image for every process of the portal: gunicorn web, the Celery workers and beat, and the
# one-off migrate (docker-compose.yml chooses which). Dependencies: the `app` group of
# pyproject.toml only; the local and dev tools (honcho, embedded Postgres, pytest ...) stay out.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# WeasyPrint draws PDFs with Pango and HarfBuzz; DejaVu is the font it finds.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. `--group` needs pip >= 25.1.
COPY pyproject.toml ./
RUN python -m pip install --upgrade "pip>=25.1" \
    && python -m pip install --group app

COPY . .

# Static files belong to the code, so they are collected into the image: web serves them
# (WhiteNoise) without waiting for another container. The settings insist on these variables;
# collectstatic connects to none of them: throwaway values that exist only during this step.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    SECRET_KEY=collectstatic-during-the-image-build-only \
    DATABASE_URL=postgres://unused@localhost/unused \
    REDIS_URL=redis://localhost/0 \
    EMAIL_URL=consolemail:// \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

# The code stays root's; the app writes only under var/ (uploaded media, beat's schedule).
RUN useradd --create-home --uid 1000 app \
    && mkdir -p var/media \
    && chown -R app:app var
USER app

ENV DJANGO_SETTINGS_MODULE=config.settings.production
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
