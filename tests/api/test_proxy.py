"""Through the documented proxy, a client cannot choose the address the app sees.

The system's nginx runs deploy/nginx.conf on loopback in front of ``descentlab serve``
(with the per-client rate limit on); only the lines that name Docker's network are
pointed at loopback. Rotating X-Forwarded-For must not escape the limit. The control
runs the same with the forwarding the config used before ($proxy_add_x_forwarded_for,
which passes the client's own header on) and sees the limit escaped, so the test can
tell the two apart. Without nginx the test is skipped, unless DESCENTLAB_REQUIRE_NGINX=1
(.ci/run installs it).
"""

import os
from pathlib import Path

import httpx
import pytest

from bench.nginx_proxy import NGINX_CONF, nginx_available, on_loopback, proxy
from bench.server import free_port, serve

REQUIRE_NGINX = "DESCENTLAB_REQUIRE_NGINX"
PER_MINUTE = 3


@pytest.fixture(scope="module")
def nginx() -> None:
    if not nginx_available():
        if os.environ.get(REQUIRE_NGINX) == "1":
            pytest.fail(f"nginx not found and {REQUIRE_NGINX}=1 (.ci/run)")
        pytest.skip("nginx is not installed (apt-get install nginx)")


def _statuses_with_rotating_addresses(url: str) -> list[int]:
    with httpx.Client(base_url=url, timeout=30) as client:
        return [
            client.get("/api/surfaces", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
            for i in range(PER_MINUTE + 2)
        ]


def test_a_spoofed_forwarded_for_does_not_escape_the_rate_limit(
    nginx: None, tmp_path: Path
) -> None:
    limited = {"DESCENTLAB_RATE_LIMIT_PER_MINUTE": str(PER_MINUTE)}
    conf = NGINX_CONF.read_text()
    with serve(tmp_path / "cache", warmup=False, environment=limited) as app:
        app_port = int(app.url.rsplit(":", 1)[1])
        listen = free_port()
        site = on_loopback(conf, listen, [app_port])
        with proxy(site, tmp_path / "a", listen) as (url, _):
            statuses = _statuses_with_rotating_addresses(url)
        assert statuses == [200] * PER_MINUTE + [429, 429]
    # Control: the client's header passed on is believed, and the limit is escaped.
    passed_on = conf.replace(
        "X-Forwarded-For $remote_addr;", "X-Forwarded-For $proxy_add_x_forwarded_for;"
    )
    assert passed_on != conf
    with serve(tmp_path / "cache", warmup=False, environment=limited) as app:
        app_port = int(app.url.rsplit(":", 1)[1])
        listen = free_port()
        site = on_loopback(passed_on, listen, [app_port])
        with proxy(site, tmp_path / "b", listen) as (url, _):
            assert _statuses_with_rotating_addresses(url) == [200] * (PER_MINUTE + 2)
