# The lab as one image: uvicorn serving the API and the static front end.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY backend ./backend
COPY frontend ./frontend
RUN pip install --no-cache-dir .
ENV DESCENTLAB_FRONTEND_DIR=/app/frontend \
    DESCENTLAB_COMPILATION_CACHE_DIR=/cache/jax
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health')"
CMD ["descentlab", "serve", "--host", "0.0.0.0", "--port", "8000"]
