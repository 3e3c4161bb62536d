"""Who may use binderd, and how often: build tokens, the per-IP rate limit, banned networks.

These are the controls a public BinderHub runs with, under upstream's class and
option names. Each is plain data plus a small check, so handlers stay thin.
"""

from binderd.access.bans import NetworkBans
from binderd.access.buildtoken import BuildTokenError, BuildTokens
from binderd.access.ratelimit import RateLimited, RateLimiter

__all__ = ["BuildTokenError", "BuildTokens", "NetworkBans", "RateLimited", "RateLimiter"]
