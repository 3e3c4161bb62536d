"""`binderd local --BinderHub.auth_enabled=True`: the local default with logins (the hub's OAuth client)."""

import os
import signal
import urllib.error
import urllib.request

from tests.cli.test_local import start_local
from tests.fixtures.sse import read_stream


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


async def test_local_default_with_logins(tmp_path, docker_engine):
    proc, text, port, hub_port, _ = start_local(tmp_path, "--BinderHub.auth_enabled=True")
    state = tmp_path / "state"
    try:
        password_file = state / "login-password"
        assert f"the password in {password_file}" in text
        assert oct(os.stat(password_file).st_mode & 0o777) == "0o600"
        assert password_file.read_text().strip() not in text  # the secret itself is never printed
        binder = f"http://127.0.0.1:{port}/"
        try:
            urllib.request.build_opener(NoRedirect).open(binder + "v2/git/x/HEAD", timeout=30)
            raise AssertionError("no redirect to the hub's login")
        except urllib.error.HTTPError as e:
            assert e.code == 302
            location = e.headers["Location"]
        assert location.startswith(f"http://127.0.0.1:{hub_port}/hub/api/oauth2/authorize?client_id=service-binder")
        # the hub knows binderd as its OAuth client: the authorization page sends a visitor to log in
        with urllib.request.urlopen(location, timeout=30) as r:
            assert "/hub/login" in r.url
        stream = await read_stream(binder + "build/git/x/HEAD")
        assert stream.events == [{"phase": "failed", "status_code": 403, "message": "Forbidden\n"}]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
