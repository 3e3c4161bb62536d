"""`binderd resolve PROVIDER SPEC [-f CONFIG ...]`: what would binderd build for this link?

Prints JSON (provider, spec, repo_url, resolved_ref, resolved_spec, ref_url,
build_slug, image_name) using the same code path as `/build`; exits non-zero
with a clear message when the spec is bad or the ref cannot be resolved.
"""

from __future__ import annotations

import asyncio
import json
import sys

from binderd.app import BinderHub
from binderd.errors import UserFacingError
from binderd.naming import image_for


class ResolveApp(BinderHub):
    """Resolve one link and print what binderd would build."""

    name = "binderd resolve"
    description = __doc__
    serves = False

    async def resolve(self, prefix: str, spec: str) -> dict:
        repo = await self.pipeline.resolve(prefix, spec.rstrip("/"))
        if repo.notice:  # e.g. the master -> HEAD fallback: say why "spec" differs from the argument
            print(repo.notice.rstrip(), file=sys.stderr)
        image = image_for(repo, self.image_prefix)
        return {
            "provider": repo.provider_prefix,
            "spec": repo.spec,
            "repo_url": repo.repo_url,
            "resolved_ref": repo.resolved_ref,
            "resolved_spec": repo.resolved_spec,
            "ref_url": repo.ref_url,
            "build_slug": repo.build_slug,
            "image_name": image.name,
            "build_name": image.build_name,
        }

    def start(self) -> None:
        if len(self.extra_args) != 2:
            print("usage: binderd resolve PROVIDER SPEC [-f CONFIG ...]", file=sys.stderr)
            self.exit(2)
        try:
            result = asyncio.run(self.resolve(*self.extra_args))
        except UserFacingError as e:
            print(f"binderd resolve: {e.message}", file=sys.stderr)
            self.exit(1)
        print(json.dumps(result, indent=2))
