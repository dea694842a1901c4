"""A bounded least-recently-used store of small hashes in Redis, for what web processes
share (cached responses, uploaded CSVs): at most ``max_entries`` and ``max_bytes`` of
values, the least recently used going first, whatever Redis's own memory settings are;
entries may also expire ``ttl_s`` after their last use.

``keep`` and ``lookup`` are one Lua script each (atomic), returned as the arguments of
``EVAL``, so the same bound serves a synchronous client (routes and workers) and an asyncio
one (the middleware).
"""

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# KEYS: index (sorted set: member → last use), sizes (hash: member → bytes), total (bytes),
# the entry. ARGV: member, now, max_bytes, max_entries, ttl_s (0: none), the entries' key
# prefix, then field, value pairs.
_KEEP = """
local member, now = ARGV[1], ARGV[2]
local max_bytes, max_entries, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local size = 0
for i = 8, #ARGV, 2 do size = size + #ARGV[i] end
local old = redis.call("HGET", KEYS[2], member)
if old then redis.call("DECRBY", KEYS[3], old) end
redis.call("DEL", KEYS[4])
redis.call("HSET", KEYS[4], unpack(ARGV, 7))
if ttl > 0 then redis.call("EXPIRE", KEYS[4], ttl) end
redis.call("ZADD", KEYS[1], now, member)
redis.call("HSET", KEYS[2], member, size)
local total = redis.call("INCRBY", KEYS[3], size)
while total > max_bytes or redis.call("ZCARD", KEYS[1]) > max_entries do
  local oldest = redis.call("ZRANGE", KEYS[1], 0, 0)[1]
  if not oldest then break end
  local freed = tonumber(redis.call("HGET", KEYS[2], oldest)) or 0
  redis.call("DEL", ARGV[6] .. oldest)
  redis.call("ZREM", KEYS[1], oldest)
  redis.call("HDEL", KEYS[2], oldest)
  total = redis.call("DECRBY", KEYS[3], freed)
end
return total
"""

# KEYS as for keep. ARGV: member, now, ttl_s (0: none), then the fields to read. A gone
# entry (expired) is forgotten from the index and the total.
_LOOKUP = """
local values = redis.call("HMGET", KEYS[4], unpack(ARGV, 4))
if redis.call("EXISTS", KEYS[4]) == 0 then
  local size = redis.call("HGET", KEYS[2], ARGV[1])
  if size then
    redis.call("HDEL", KEYS[2], ARGV[1])
    redis.call("DECRBY", KEYS[3], size)
    redis.call("ZREM", KEYS[1], ARGV[1])
  end
  return values
end
redis.call("ZADD", KEYS[1], "XX", ARGV[2], ARGV[1])
if tonumber(ARGV[3]) > 0 then redis.call("EXPIRE", KEYS[4], ARGV[3]) end
return values
"""


@dataclass(frozen=True)
class RedisLru:
    """The keys and ``EVAL`` arguments of one bounded store named ``name``."""

    prefix: str
    name: str
    max_bytes: int
    max_entries: int
    ttl_s: int = 0

    def _keys(self, member: str) -> list[str]:
        base = f"{self.prefix}:{self.name}"
        return [f"{base}:index", f"{base}:sizes", f"{base}:total", f"{base}:entry:{member}"]

    def keep(self, member: str, fields: Mapping[str, bytes | str]) -> tuple[Any, ...]:
        """``EVAL`` arguments that store ``fields`` under ``member`` and evict beyond the
        bounds (the reply: the bytes now held)."""
        keys = self._keys(member)
        pairs = [part for name_value in fields.items() for part in name_value]
        entries = f"{self.prefix}:{self.name}:entry:"
        args = [member, repr(time.time()), self.max_bytes, self.max_entries, self.ttl_s, entries]
        return (_KEEP, len(keys), *keys, *args, *pairs)

    def lookup(self, member: str, *names: str) -> tuple[Any, ...]:
        """``EVAL`` arguments that read ``names`` of ``member`` (None each when absent) and
        mark it used."""
        keys = self._keys(member)
        return (_LOOKUP, len(keys), *keys, member, repr(time.time()), self.ttl_s, *names)
