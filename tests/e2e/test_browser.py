"""A person's path, in a real browser: open a /v2 link, watch it build, land in Jupyter.

Debian's chromium, driven by Playwright (no browser download: executable_path).
"""

from urllib.parse import quote

import pytest
from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
async def page():
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await browser.new_page()
        yield page
        await browser.close()


async def test_v2_link_builds_and_opens_the_server(page, binderd_local, git_server, tmp_path):
    repo = git_server.create("browser-v2")
    repo.commit({"notes.txt": "opened in a browser\n"})
    link = f"{binderd_local.url}v2/git/{quote(repo.git_url, safe='')}/main?urlpath=api/contents/notes.txt"
    await page.goto(link)
    assert await page.inner_text(".spec") == f"Git repository: {repo.git_url}/main"  # what is launching
    await page.wait_for_url("**/user/**/api/contents/notes.txt?token=*", timeout=180_000)
    assert "opened in a browser" in await page.content()
    await page.screenshot(path=str(tmp_path / "landed.png"))


async def test_home_page_form_launches(page, binderd_local, git_server):
    repo = git_server.create("browser-form")
    await page.goto(binderd_local.url)
    assert "Git repository" in await page.inner_text("#provider")
    await page.select_option("#provider", "git")
    await page.fill("#repository", repo.git_url)
    await page.fill("#ref", "main")
    await page.click("#btn-launch")
    await page.wait_for_url("**/user/browser-form-*/lab**", timeout=180_000)  # the token logged us in
    await page.wait_for_selector("#jp-main-dock-panel", timeout=90_000)  # JupyterLab rendered its shell
    assert "JupyterLab" in await page.title()
    # the repository's files are in the server's file browser
    await page.wait_for_selector(".jp-DirListing-item[title*='README.md']", timeout=60_000)
    await page.screenshot(path="/tmp/binderd-lab.png")


async def test_failure_is_shown_with_its_message(page, binderd_local):
    await page.goto(f"{binderd_local.url}v2/git/{quote('ftp://127.0.0.1/x.git', safe='')}/main")
    status = page.locator("#status.failed")
    await status.wait_for(timeout=30_000)
    assert "failed" in (await status.inner_text()).lower()
    assert "protocol ftp not in" in await page.inner_text("#status")
    assert "protocol ftp not in" in await page.evaluate("window.binderdLog.text")  # and in the log
