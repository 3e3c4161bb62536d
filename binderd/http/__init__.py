"""binderd's one outbound HTTP layer: pools per destination, one retry-policy type, caps.

Providers, the registry client and the hub client all send through here:

- `RetryPolicy` (`binderd.http.retry`): how often, after how long, and on
  which answers a caller retries; each caller has its own settings.
- `Pools` (`binderd.http.pools`): one tornado client per destination (scheme,
  host, port, pinned addresses), made inside the running event loop on first
  use, with its own connection slots, so a slow hub cannot starve registry
  checks; `send` applies timeouts, a body-size cap and the policy.
"""

from binderd.http.pools import Pools, Unreachable, default_pools, send
from binderd.http.retry import RetryPolicy

__all__ = ["Pools", "RetryPolicy", "Unreachable", "default_pools", "send"]
