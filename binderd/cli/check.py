"""`binderd check [-f CONFIG ...] [--json]`: is this configuration going to work?

Checks, one line each, with exit status 0 only if all pass. (Issue: registry
checks; see binderd.registry.)
"""

from __future__ import annotations

import asyncio
import json

from traitlets import Bool

from binderd.app import BinderHub


class CheckApp(BinderHub):
    """Check the registry, JupyterHub and provider credentials of a configuration."""

    name = "binderd check"
    description = __doc__
    serves = False

    json_output = Bool(False, help="Print the results as JSON.").tag(config=True)
    flags = {**BinderHub.flags, "json": ({"CheckApp": {"json_output": True}}, "Print the results as JSON.")}

    async def run_checks(self) -> list[dict]:
        """[{"check": name, "ok": bool, "message": str}, ...]"""
        results = []
        hub_ok = await self.health_checks.run(self)
        for item in hub_ok:
            results.append({"check": item["service"], "ok": item["ok"], "message": "answers" if item["ok"] else "does not answer"})
        return results

    def start(self) -> None:
        results = asyncio.run(self.run_checks())
        if self.json_output:
            print(json.dumps({"ok": all(r["ok"] for r in results), "checks": results}, indent=2))
        else:
            for r in results:
                print(f"{'ok  ' if r['ok'] else 'FAIL'} {r['check']}: {r['message']}")
        self.exit(0 if all(r["ok"] for r in results) else 1)


