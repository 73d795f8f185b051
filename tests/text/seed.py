"""The IR listings of the reference tutorial text, as strings (tests/reference_text.py)."""
from reference_text import SEED, ir_listings


def listings(text=None):
    return ["\n".join(block) for block in ir_listings(text or SEED.read_text())]


def listing(n):
    """Listing n (1-based) as one string."""
    return listings()[n - 1]
