"""No tracked folder has a name that common ignore files drop.

GitHub's Python .gitignore template (and many contributors' global ignore
files) ignore `build/`, `dist/`, `lib/` and friends anywhere in a tree: a
package or script folder named so silently vanishes from a contributor's
commits. binderd's build stage is therefore `binderd/builder/`, the pages'
bundle `binderd/static/bundle/`, the scripts' helpers `scripts/common.sh`.
"""

from __future__ import annotations

import subprocess

from tests.fixtures.procs import REPO_ROOT

# Folder names that GitHub's Python template ignores wherever they are.
IGNORED_ANYWHERE = {"build", "develop-eggs", "dist", "downloads", "eggs", ".eggs", "lib", "lib64", "parts",
                    "sdist", "var", "wheels", "share", "env", "venv", "ENV", "env.bak", "venv.bak"}


def test_no_tracked_folder_is_commonly_ignored():
    files = subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, check=True, capture_output=True, text=True).stdout
    offending = sorted({f for f in files.splitlines() if IGNORED_ANYWHERE & set(f.split("/")[:-1])})
    assert not offending, offending
