FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data HOST=0.0.0.0
WORKDIR /app

COPY pyproject.toml setup.py README.md ./
COPY core ./core
COPY api ./api
COPY bot ./bot
COPY scheduler ./scheduler
COPY integrations ./integrations
# sauda/locales holds the catalogues; building the wheel compiles them into the package.
COPY sauda ./sauda
RUN pip install --no-cache-dir .

VOLUME ["/data"]
EXPOSE 8000 8011 7070
CMD ["sauda", "serve"]
