# The WallTrack dashboard alone (`walltrack ui`), for a container host: no simulated market, no
# Postgres, no graph server. It calls a deployed API; configure it with environment variables:
#   WALLTRACK_API_BASE_URL        the API's URL (template.yaml's ApiUrl output)
#   WALLTRACK_API_TOKEN           the bearer token that API requires
#   WALLTRACK_DASHBOARD_USER      the dashboard login (default walltrack)
#   WALLTRACK_DASHBOARD_PASSWORD  required: the dashboard listens on 0.0.0.0
# Build and run:
#   docker build -t walltrack-dashboard .
#   docker run -p 7860:7860 -e WALLTRACK_API_BASE_URL=... -e WALLTRACK_API_TOKEN=... \
#     -e WALLTRACK_DASHBOARD_PASSWORD=... walltrack-dashboard
# tests/e2e/test_dashboard_shipping.py runs this file's CMD against the local API in a browser.

# The Python of the Space (spaces/README.md python_version) and of the venv the tests run in.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GRADIO_ANALYTICS_ENABLED=False

RUN useradd --create-home --uid 1000 walltrack
WORKDIR /app

# The dashboard's own installs (the same file as the Space's), then the product without its
# server dependencies: only walltrack/ and ui/ are copied, and --no-deps keeps pyproject's
# database, graph and AWS libraries out.
COPY spaces/requirements.txt /app/requirements.txt
RUN pip install --no-cache-dir -r /app/requirements.txt
COPY pyproject.toml README.md /app/
COPY walltrack /app/walltrack
COPY ui /app/ui
RUN pip install --no-cache-dir --no-deps /app

USER 1000
EXPOSE 7860
CMD ["walltrack", "ui", "--host", "0.0.0.0", "--port", "7860"]
