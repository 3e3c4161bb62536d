"""Reading binderd's configuration: Python files and the Helm-style YAML the setup guide shows.

`load_files` turns `-f` files into one traitlets Config; `validate` checks every
class and option name and every value's type against the classes binderd knows,
so a typo is a startup error naming the key instead of a silently ignored setting.
"""

from binderd.config.loader import ConfigError, load_files
from binderd.config.validate import validate

__all__ = ["ConfigError", "load_files", "validate"]
