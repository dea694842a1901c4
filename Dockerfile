# Descent Lab as one image: uvicorn serving the API and the static front end on port 8000.
#
#   docker build -t descentlab .                               # CPU
#   docker build -t descentlab:gpu --build-arg JAX_EXTRA=cuda12 .   # JAX with CUDA 12
#
# docker-compose.yml runs replicas of it behind nginx; README "Deploying for a class".
# The base pinned to a Python patch release and a Debian release: a rebuild gets the same
# interpreter and system libraries.
FROM python:3.11.14-slim-bookworm

# "cuda12" adds JAX's CUDA 12 wheels (the GPU needs only the host's NVIDIA driver and the
# NVIDIA container toolkit), at the JAX version the package resolved: jax and its plugin
# must match.
ARG JAX_EXTRA=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# What the package needs to run, at the locked versions and hashes (requirements.lock, from
# `make lock`), in a layer of its own: a code edit rebuilds only the layers below it, not
# the ~700 MB of JAX, SciPy and NumPy. No test or bench extras (no torch, no browser).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock \
    && if [ -n "$JAX_EXTRA" ]; then \
         pip install "jax[$JAX_EXTRA]==$(python -c 'import jax; print(jax.__version__)')"; \
       fi
# The package itself, its front end included as package data (descentlab.frontend).
COPY pyproject.toml README.md LICENSE ./
COPY backend ./backend
COPY frontend ./frontend
RUN pip install --no-deps . && rm -rf build

# Not root. JAX's persistent compilation cache is a volume the user owns, so a restarted
# container reuses what an earlier one compiled (warm-up in seconds instead of ~10-20 s).
RUN useradd --create-home --uid 10001 descentlab \
    && mkdir -p /cache/jax \
    && chown descentlab /cache/jax
USER descentlab
VOLUME /cache/jax

ENV DESCENTLAB_COMPILATION_CACHE_DIR=/cache/jax

EXPOSE 8000
# The server listens once the warm-up has compiled the first scenario: allow for that.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]
CMD ["descentlab", "serve", "--host", "0.0.0.0", "--port", "8000"]
