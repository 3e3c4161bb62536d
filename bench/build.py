"""Build time of a scientific Python repository with binderd's uv buildpack: cold, content-only rebuild, size.

    .venv/bin/python bench/build.py [--keep]

Serves a repository with a pinned requirements.txt (numpy, pandas, matplotlib)
from a local git daemon and builds it with binderd's LocalRepo2dockerBuild (real
repo2docker, the local Docker engine, binderd's repo2docker configuration), as
binderd does for a /build request. Three builds:

  warm-up  a tiny environment, so the layers every Python repository shares
           (uv itself) are in Docker's cache, as on any machine that built once
  cold     the scientific environment, never built before (a random comment in
           requirements.txt makes its layers new): resolve, download, install
  content  a commit that changes only a notebook: the environment layers are reused

and prints each build's wall time and the image's size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from binderd.builder import LocalRepo2dockerBuild  # noqa: E402
from binderd.model import ImageRef, ResolvedRepo  # noqa: E402
from tests.fixtures.servers import GitServer  # noqa: E402

REQUIREMENTS = "numpy==2.1.3\npandas==2.2.3\nmatplotlib==3.9.2\n"
NOTEBOOK = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


async def build(executor: LocalRepo2dockerBuild, url: str, sha: str, image: str) -> float:
    repo = ResolvedRepo("git", "Git", url, url, url, "main", sha, url, "bench")
    ref = ImageRef(f"{image}:{sha}", image, sha, "build-bench")
    start = time.perf_counter()
    async for _event in executor.build(repo, ref, None, push=False):
        pass
    return time.perf_counter() - start


def image_size(name: str) -> int:
    out = subprocess.run(["docker", "image", "inspect", name], check=True, capture_output=True, text=True).stdout
    return json.loads(out)[0]["Size"]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the built images")
    args = parser.parse_args()
    executor = LocalRepo2dockerBuild()
    image = f"binderd-bench-build-{secrets.token_hex(3)}"
    images = []
    with tempfile.TemporaryDirectory() as root:
        server = GitServer(root)
        try:
            warm = server.create("warm", {"requirements.txt": "tabulate==0.9.0\n"})
            sha = warm.commit({"README.md": "warm-up\n"})
            images.append(f"{image}-warm:{sha}")
            await build(executor, warm.git_url, sha, image + "-warm")

            repo = server.create("science", {
                "requirements.txt": f"# {secrets.token_hex(8)}\n{REQUIREMENTS}",
                "analysis.ipynb": json.dumps(NOTEBOOK),
            })
            sha = repo.commit({"README.md": "scientific stack\n"})
            images.append(f"{image}:{sha}")
            cold = await build(executor, repo.git_url, sha, image)
            size = image_size(f"{image}:{sha}")

            sha = repo.commit({"analysis.ipynb": json.dumps({**NOTEBOOK, "metadata": {"changed": True}})})
            images.append(f"{image}:{sha}")
            content = await build(executor, repo.git_url, sha, image)
        finally:
            server.stop()
            if not args.keep:
                subprocess.run(["docker", "rmi", *images], capture_output=True)
    print(f"requirements.txt: {REQUIREMENTS.strip().replace(chr(10), ', ')}")
    print(f"cold build (new environment)      {cold:6.1f} s")
    print(f"content-only rebuild              {content:6.1f} s")
    print(f"image size                        {size / 1e6:6.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
