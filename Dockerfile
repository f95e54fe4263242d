# Digital Stampcard: one image for the web app (`stampcard serve`) and the migration step
# (`stampcard migrate`). docker-compose.yml describes how production runs it.

# ---- 1. The PWA's pinned npm packages. Node is needed only to install them, never at run time.
FROM debian:bookworm-slim AS pwa
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build/pwa
COPY pwa/package.json pwa/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- 2. The Python package and its dependencies, in a virtualenv the runtime stage copies whole.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Only the locked versions, each checked against its hash; then the project without dependencies.
COPY requirements/app.lock ./requirements/
RUN pip install --require-hashes --no-deps -r requirements/app.lock
COPY pyproject.toml piccolo_conf.py ./
COPY backend ./backend
COPY digital_stampcard ./digital_stampcard
RUN pip install --no-deps --no-build-isolation .
# The files the backend serves. Listed one by one so a local pwa/node_modules in the build context
# never reaches the image: node_modules comes only from the `npm ci` stage above.
COPY pwa/index.html pwa/sw.js pwa/manifest.webmanifest ./pwa/
COPY pwa/assets ./pwa/assets
COPY --from=pwa /build/pwa/node_modules ./pwa/node_modules
# backend/web/pwa.py looks for the PWA next to the installed `backend` package
# (PWA_DIR = <site-packages>/pwa after a non-editable install). Put it there, and fail the build
# if the backend looks anywhere else.
RUN pwa_dir="$(python -c 'from backend.web.pwa import PWA_DIR; print(PWA_DIR)')" \
    && cp -r /src/pwa "$pwa_dir" \
    && python -c 'from backend.web.pwa import PWA_DIR as d; assert (d / "index.html").is_file() and (d / "node_modules").is_dir(), d'

# ---- 3. Runtime: no compilers, no node, no sources; the code is owned by root and read-only to the app.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    STAMPCARD_HOST=0.0.0.0 \
    STAMPCARD_PORT=8000
RUN groupadd --system --gid 10001 stampcard \
    && useradd --system --uid 10001 --gid stampcard --home-dir /app --no-create-home --shell /usr/sbin/nologin stampcard \
    && install -d -o stampcard -g stampcard /app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER stampcard:stampcard
EXPOSE 8000
# Liveness (no I/O); compose's health check asks /ready, which also checks the database and Redis.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["stampcard", "probe", "/health"]
CMD ["stampcard", "serve"]
