# One image for every process of the portal: web, worker, beat and the one-off setup
# (docker-compose.yml chooses which). Dependencies: the `local` group of pyproject.toml.
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
RUN python -m pip install --upgrade pip \
    && python -m pip install --group local

COPY . .
# The code stays root's; the app writes only under var/ (static files, media, beat schedule).
RUN useradd --create-home --uid 1000 app \
    && mkdir -p var/staticfiles var/media \
    && chown -R app:app var
USER app

EXPOSE 8000
CMD ["honcho", "-f", "Procfile", "start", "web"]
