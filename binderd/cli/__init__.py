"""binderd's operator subcommands (`binderd check`, `binderd resolve`).

Each is a subclass of the BinderHub application, so it reads exactly the same
configuration (-f files, strictly validated) and builds the same stage objects
as the service, then does one job instead of serving.
"""
