"""The browser lab's static files (HTML, CSS, ES modules).

Installed as the package ``descentlab.frontend`` (pyproject.toml maps it to this folder), so
the server finds them with ``importlib.resources`` wherever the package is installed: a
checkout, a wheel, pipx or the Docker image. Nothing here is Python but this marker.
"""
