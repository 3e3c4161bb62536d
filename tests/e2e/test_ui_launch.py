"""The loading page and kept logs in a real browser, with real builds (repo2docker, Docker) and a real hub.

A launch shows its build log live and ends in JupyterLab at the requested file;
a failing build keeps its log at a URL that still answers after binderd restarts.
"""

import re
from urllib.parse import quote

import pytest
from tornado.httpclient import AsyncHTTPClient

from tests.fixtures.browser import log_rows, page, screenshot, serious_violations  # noqa: F401
from tests.fixtures.servers import start_binderd

pytestmark = pytest.mark.e2e


async def test_a_launch_shows_its_log_live_and_opens_jupyterlab_at_the_file(page, binderd_local, git_server):  # noqa: F811
    repo = git_server.create("ui-live-log")
    repo.commit({"notes.md": "# Notes kept in the repository\n", "requirements.txt": "\n"})
    await page.goto(f"{binderd_local.url}v2/git/{quote(repo.git_url, safe='')}/main?labpath=notes.md")
    # While the build runs, its lines are drawn as they come, and the kept log's URL is shown.
    await page.wait_for_function(
        "document.getElementById('progress').dataset.phase === 'building' && window.binderdLog.stats.drawn > 3",
        timeout=120_000,
    )
    link = await page.get_attribute("#build-log-link", "href")
    assert re.fullmatch(re.escape(binderd_local.url) + r"logs/\d{8}-\d{6}-[0-9a-f]{12}", link), link
    rows = await log_rows(page)
    assert len([line for line in rows.splitlines() if line.strip()]) > 3, rows
    assert await page.get_attribute("#btn-show-log", "aria-expanded") == "true"
    await screenshot(page, "build-in-progress")
    assert int((await page.inner_text("#elapsed")).replace(":", "")) >= 0
    # Then JupyterLab, at the file that was asked for, logged in by the token.
    await page.wait_for_url("**/user/**/doc/tree/notes.md**", timeout=240_000)
    editor = page.locator(".jp-MainAreaWidget .cm-content")
    await editor.first.wait_for(timeout=90_000)
    assert "Notes kept in the repository" in await editor.first.inner_text()


@pytest.fixture
def failing_binderd(tmp_path, git_server, docker_engine):
    """binderd with its own state directory, so it can be restarted onto the same kept logs."""
    root = str(tmp_path / "binderd")
    lines = [
        "c.BinderHub.hub_url = 'http://127.0.0.1:9/'",
        "c.BinderHub.use_registry = False",
        "c.BinderHub.image_prefix = 'binderd-ui-fail/'",
        "c.GitRepoProvider.allowed_networks = ['127.0.0.1/32']",
        "c.BinderHub.concurrent_build_limit = 1",
        f"c.BuildLogStore.path = {str(tmp_path / 'state' / 'build-logs')!r}",
    ]
    procs = [start_binderd(root, lines)]

    def restart():
        procs[-1].process.stop()
        procs.append(start_binderd(root, lines))
        return procs[-1]

    yield procs[0], restart
    procs[-1].process.stop()


async def test_a_failed_build_keeps_its_log_across_a_restart(page, failing_binderd, git_server):  # noqa: F811
    binderd, restart = failing_binderd
    repo = git_server.create("ui-run-false")
    repo.commit({"Dockerfile": "FROM binderd/jupyter-base:latest\nRUN echo about to fail && false\n"})
    await page.goto(f"{binderd.url}v2/git/{quote(repo.git_url, safe='')}/main")
    status = page.locator("#status.failed")
    await status.wait_for(timeout=180_000)
    message = await status.inner_text()
    assert "failed" in message.lower()
    # the failed event's message names the kept log, and the page links it
    link = await page.get_attribute("#build-log-link", "href")
    assert f"The whole build log: {link}" in message
    assert "about to fail" in await page.evaluate("window.binderdLog.text")
    assert await page.get_attribute("#btn-show-log", "aria-expanded") == "true"
    assert await serious_violations(page) == []
    await screenshot(page, "failure")

    raw = (await AsyncHTTPClient().fetch(link + ".txt")).body.decode()
    assert "about to fail" in raw and "Logs will appear here" not in raw
    await page.goto(link)
    await page.wait_for_function("document.getElementById('log-state').textContent.includes('finished')")
    assert await page.inner_text("#outcome") == "failed"
    assert await page.evaluate("window.binderdLog.text") == raw
    assert await serious_violations(page) == []
    await screenshot(page, "build-log")

    restarted = restart()
    moved = link.replace(binderd.url, restarted.url)
    assert (await AsyncHTTPClient().fetch(moved + ".txt")).body.decode() == raw
    await page.goto(moved)
    await page.wait_for_function("document.getElementById('log-state').textContent.includes('finished')")
    assert await page.evaluate("window.binderdLog.text") == raw
    assert "about to fail" in await log_rows(page)


async def test_a_build_waiting_for_a_slot_shows_its_queue_position(page, failing_binderd, git_server):  # noqa: F811
    binderd, _ = failing_binderd  # one build at a time
    first = git_server.create("ui-queue-first")
    first.commit({"Dockerfile": "FROM binderd/jupyter-base:latest\nRUN sleep 8 && false\n"})
    second = git_server.create("ui-queue-second")
    second.commit({"Dockerfile": "FROM binderd/jupyter-base:latest\nRUN false\n"})
    await page.goto(f"{binderd.url}v2/git/{quote(first.git_url, safe='')}/main")
    await page.wait_for_function("document.getElementById('progress').dataset.phase === 'building'", timeout=60_000)
    waiting = await page.context.new_page()
    await waiting.goto(f"{binderd.url}v2/git/{quote(second.git_url, safe='')}/main")
    queue = waiting.locator("#queue")
    await queue.wait_for(state="visible", timeout=30_000)
    assert await queue.inner_text() == "Position 1 in the build queue"
    assert await waiting.get_attribute("#progress", "data-phase") == "waiting"
    await screenshot(waiting, "queued")
    # when the first build ends, the second one builds and the position goes away
    await waiting.locator("#status.failed").wait_for(timeout=120_000)
    assert await queue.is_hidden()
    assert "RUN false" in await waiting.evaluate("window.binderdLog.text")
