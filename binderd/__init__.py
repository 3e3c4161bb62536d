"""binderd: a BinderHub written from scratch.

The pipeline is the architecture; each stage is a package:

    providers  spec -> ResolvedRepo          (which commit is this link?)
    naming     ResolvedRepo -> ImageRef      (what is its image called?)
    registry   ImageRef -> exists?           (is it built already?)
    build      ImageRef -> built image       (repo2docker, shared between watchers)
    launch     image -> running server       (JupyterHub REST API)
    events     every step -> the /build event stream

`binderd.pipeline` wires the stages together; `binderd.handlers` only translate
HTTP to and from it; `binderd.app` holds configuration and starts the server.
"""

__version__ = "0.1.0"
