"""The events of the `/build` stream, with upstream BinderHub's phases, keys and messages."""

from __future__ import annotations

# The key order of upstream's `ready` event, which some clients print verbatim.
READY_KEYS = [
    "image",
    "repo_url",
    "token",
    "binder_ref_url",
    "binder_launch_host",
    "binder_request",
    "binder_persistent_request",
    "binder_client_ip",
    "url",
]


def _line(message: str) -> str:
    return message if message.endswith("\n") else message + "\n"


def waiting(message: str = "Waiting for build to start...") -> dict:
    return {"phase": "waiting", "message": _line(message)}


def built(image_name: str, cached: bool) -> dict:
    message = "Found built image, launching..." if cached else "Built image, launching..."
    return {"phase": "built", "imageName": image_name, "message": _line(message)}


def build_only_ready(image_name: str, cached: bool) -> dict:
    """The last event of a build-only request: the image exists, no server starts."""
    message = "Done! Found built image" if cached else "Done! Image built"
    return {"phase": "ready", "imageName": image_name, "message": _line(message)}


def launching(message: str = "Launching server...") -> dict:
    return {"phase": "launching", "message": _line(message)}


def ready(fields: dict) -> dict:
    event = {"phase": "ready", "message": f"server running at {fields['url']}\n"}
    event.update({key: fields[key] for key in READY_KEYS if key in fields})
    return event


def failed(message: str, status_code: int | None = None) -> dict:
    event: dict = {"phase": "failed", "message": _line(message)}
    if status_code is not None:
        event["status_code"] = status_code
    return event
