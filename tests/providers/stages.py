"""Stand-ins for the stages after the providers, so provider tests can run the whole pipeline.

The registry never has the image, the launcher returns upstream's `ready` fields
without a hub; the builder is whatever the test passes (a real one, or a stub).
"""

from __future__ import annotations

from traitlets.config import Config, LoggingConfigurable

from binderd.builder import BuildCoordinator, BuildExecutor
from binderd.launch import Launcher
from binderd.pipeline import LaunchPipeline, LaunchRequest
from binderd.providers import default_providers
from binderd.registry import ImageRegistry


class EmptyRegistry(ImageRegistry):
    async def image_exists(self, image) -> bool:
        return False


class StubBuild(BuildExecutor):
    async def build(self, repo, image, push_auth, push=False):
        yield {"phase": "building", "message": f"building {image.name}\n"}


class NoHubLauncher(Launcher):
    async def launch(self, image, repo_url, extra, emit, username=None, server_name=""):
        self.extra = extra
        url = "http://hub.invalid/user/x/"
        return {"url": url, "image": image, "repo_url": repo_url, "token": "t", **extra}


def make_pipeline(config: Config, builder: BuildExecutor | None = None) -> LaunchPipeline:
    parent = LoggingConfigurable(config=config)
    return LaunchPipeline(
        providers=default_providers(), provider_parent=parent, registry=EmptyRegistry(),
        builder=builder or StubBuild(), coordinator=BuildCoordinator(), launcher=NoHubLauncher(retries=1),
        image_prefix="127.0.0.1:5000/binder/t-",
    )


async def run(pipeline: LaunchPipeline, prefix: str, spec: str) -> list[dict]:
    """The events of one /build request."""
    events: list[dict] = []

    async def emit(event: dict) -> None:
        events.append(event)

    request = LaunchRequest(provider_prefix=prefix, spec=spec, launch_host="http://binder.invalid/",
                            client_ip="1.2.3.4")
    await pipeline.run(request, emit)
    return events
