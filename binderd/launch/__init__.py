"""Stage 5: start a Jupyter server for the image through JupyterHub's REST API.

`Launcher` (binderd side) talks to the hub; `spawner.BinderSpawner` (hub side,
imported by jupyterhub_config.py) starts the container with the image and token
binderd asked for. `hubconfig` writes the hub configuration of the local default.
"""

from binderd.launch.launcher import Launcher
from binderd.launch.names import unique_name_from_repo

__all__ = ["Launcher", "unique_name_from_repo"]
