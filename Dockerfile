# parley: one image, one SQLite file on a volume.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PARLEY_DATABASE=/data/parley.db \
    PARLEY_HOST=0.0.0.0 \
    PARLEY_PORT=8000

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY seeds ./seeds
RUN pip install . && useradd --system --uid 10001 --home /data parley && mkdir -p /data && chown parley /data

USER parley
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
CMD ["parley", "serve"]
