"""Round sizes up to a few buckets so the set of compiled shapes stays small."""


def power_of_two_bucket(n: int, minimum: int = 1) -> int:
    """The smallest power of two that is at least ``max(n, minimum)``."""
    size = max(n, minimum, 1)
    return 1 << (size - 1).bit_length()
