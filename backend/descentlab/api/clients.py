"""Who is asking: the client's address, and the per-tab id the front end sends.

The front end sends ``X-Client-Id``, a random id per browser tab (or ``?client_id=`` where a
request cannot carry headers, e.g. a browser's EventSource). It is the client's own word:
it keeps honest clients apart (a class behind one school NAT shares one address), while
everything that guards the machine counts by address.
"""

import re

from starlette.datastructures import Headers, QueryParams
from starlette.types import Scope

CLIENT_ID_HEADER = "X-Client-Id"
CLIENT_ID_QUERY = "client_id"
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def client_id(scope: Scope) -> str | None:
    """The well-formed id the client sent (header first, then query), else None."""
    sent = Headers(scope=scope).get(CLIENT_ID_HEADER, "")
    if not sent:
        sent = QueryParams(scope.get("query_string", b"")).get(CLIENT_ID_QUERY, "")
    return sent if _CLIENT_ID.fullmatch(sent) else None


def submitter(scope: Scope) -> str:
    """Whose job a submission is (who may cancel it, whose list shows it): the tab's id,
    or, for a client that sends none (a script), its address."""
    sent = client_id(scope)
    return f"id {sent}" if sent else f"address {client_address(scope)}"
