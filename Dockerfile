# citybrain workers (stream worker, landing sink, planner) for compose.yaml.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/venv PATH=/opt/venv/bin:$PATH
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY citybrain ./citybrain
COPY connectors ./connectors
COPY streams ./streams
COPY warehouse ./warehouse
COPY pipelines ./pipelines
COPY inference ./inference
COPY expectations ./expectations
COPY dashboards ./dashboards
COPY models ./models
COPY config.py external_models.yaml ./
RUN uv sync --frozen --no-dev
USER 1000:1000
ENTRYPOINT ["citybrain"]
