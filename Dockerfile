FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DATA_DIR=/data HOST=0.0.0.0
WORKDIR /app

COPY pyproject.toml README.md ./
COPY core ./core
COPY api ./api
COPY bot ./bot
COPY scheduler ./scheduler
COPY sauda ./sauda
COPY locales ./locales
RUN pip install --no-cache-dir . \
    && for po in locales/*/LC_MESSAGES/*.po; do pybabel compile -q -i "$po" -o "${po%.po}.mo"; done

VOLUME ["/data"]
EXPOSE 8000 8011 7070
CMD ["sauda", "serve"]
