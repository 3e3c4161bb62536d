"""The home form in a real browser: upstream's launch URLs and badges for every provider, keyboard use, labels, axe."""

from urllib.parse import quote

import pytest

from tests.fixtures.browser import page, screenshot, serious_violations, unlabelled_controls  # noqa: F401
from tests.fixtures.servers import start_binderd

SHA = "d198bc9d7a6bcf6db04f476d29314f157507d505"


@pytest.fixture(scope="module")
def ui_binderd(tmp_path_factory):
    """binderd serving its pages; its hub is never reached by these tests."""
    root = str(tmp_path_factory.mktemp("binderd-ui"))
    b = start_binderd(root, [
        "c.BinderHub.hub_url = 'http://127.0.0.1:9/'",
        "c.BinderHub.use_registry = False",
        f"c.BuildLogStore.path = {root + '/logs'!r}",
    ])
    yield b
    b.process.stop()


# (provider chosen, repository typed, ref, path type, path) -> provider shown, launch URL after binderd's URL
CASES = [
    ("gh", "binder-examples/requirements", "", "file", "", "gh", "v2/gh/binder-examples/requirements/HEAD"),
    ("gh", "https://github.com/binder-examples/requirements/", "main", "file", "index.ipynb", "gh",
     "v2/gh/binder-examples/requirements/main?urlpath=%2Fdoc%2Ftree%2Findex.ipynb"),
    ("gh", "binder-examples/r", "v1.0", "url", "/rstudio", "gh", "v2/gh/binder-examples/r/v1.0?urlpath=%2Frstudio"),
    ("gist", "https://gist.github.com/user/12345/", "", "file", "", "gist", "v2/gist/user/12345/HEAD"),
    ("git", "https://example.org/a/repo.git", "v1", "file", "", "git",
     "v2/git/https%3A%2F%2Fexample.org%2Fa%2Frepo.git/v1"),
    ("gl", "mosaik/examples/tutorials", "", "file", "", "gl", "v2/gl/mosaik%2Fexamples%2Ftutorials/HEAD"),
    ("zenodo", "10.5281/zenodo.3242074", "", "file", "", "zenodo", "v2/zenodo/10.5281/zenodo.3242074/"),
    ("figshare", "10.6084/m9.figshare.9782777.v1", "", "file", "", "figshare",
     "v2/figshare/10.6084/m9.figshare.9782777.v1/"),
    ("hydroshare", "8f7c2f0341ef4180b0dbe97f59130756", "", "file", "", "hydroshare",
     "v2/hydroshare/8f7c2f0341ef4180b0dbe97f59130756/"),
    ("dataverse", "10.7910/DVN/TJCLKP", "", "file", "", "dataverse", "v2/dataverse/10.7910/DVN/TJCLKP/"),
    ("ckan", "https://demo.ckan.org/dataset/my-sample-dataset-001", "", "file", "", "ckan",
     "v2/ckan/https%3A%2F%2Fdemo.ckan.org%2Fdataset%2Fmy-sample-dataset-001/"),
    ("swh", f"swh:1:dir:{SHA}", "", "file", "", "swh", f"v2/swh/swh:1:dir:{SHA}/"),
    # a pasted URL picks its provider
    ("gh", "https://gitlab.com/mosaik/examples/tutorials", "", "file", "", "gl",
     "v2/gl/mosaik%2Fexamples%2Ftutorials/HEAD"),
    ("gh", "https://example.org/r.git", "", "file", "", "git", "v2/git/https%3A%2F%2Fexample.org%2Fr.git/HEAD"),
    ("gl", "https://github.com/org/repo", "", "file", "", "gh", "v2/gh/org/repo/HEAD"),
]


async def test_the_form_writes_upstreams_launch_urls_and_badges(page, ui_binderd):  # noqa: F811
    base = ui_binderd.url
    await page.goto(base)
    for provider, repo, ref, kind, path, shown, expected in CASES:
        await page.select_option("#provider", provider)
        await page.fill("#repository", repo)
        assert await page.input_value("#provider") == shown, repo
        if ref:
            await page.fill("#ref", ref)
        else:
            await page.fill("#ref", "") if await page.is_enabled("#ref") else None
        await page.select_option("#path-type", kind)
        await page.fill("#path", path)
        url = base + expected
        assert await page.inner_text("#launch-url") == url, (provider, repo)
        await page.check("#btn-badge-md")
        assert await page.inner_text("#badge-snippet") == f"[![Binder]({base}badge_logo.svg)]({url})"
        assert await page.is_enabled("#ref") == (shown in ("gh", "gist", "git", "gl")), shown
    await page.check("#btn-badge-rst")
    assert await page.inner_text("#badge-snippet") == f".. image:: {base}badge_logo.svg\n :target: {url}"


async def test_copy_buttons_put_the_link_and_badge_on_the_clipboard(page, ui_binderd):  # noqa: F811
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await page.goto(ui_binderd.url)
    assert await page.is_disabled("#btn-copy-url") and await page.is_disabled("#btn-launch")
    await page.fill("#repository", "binder-examples/requirements")
    await page.click("#btn-copy-url")
    assert await page.evaluate("navigator.clipboard.readText()") == ui_binderd.url + "v2/gh/binder-examples/requirements/HEAD"
    await page.click("#btn-copy-badge")
    assert (await page.evaluate("navigator.clipboard.readText()")).startswith("[![Binder](")


async def test_keyboard_alone_reaches_every_control_and_launches(page, ui_binderd, git_server):  # noqa: F811
    repo = git_server.create("keyboard-only")
    await page.goto(ui_binderd.url)
    await page.fill("#repository", "org/repo")  # the copy and launch buttons wait for a repository
    await page.click("h1")  # tab from the top of the content
    order = []
    for _ in range(16):
        await page.keyboard.press("Tab")
        order.append(await page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
    for control in ["provider", "repository", "ref", "path-type", "path", "btn-copy-url", "btn-launch",
                    "btn-badge-md", "btn-copy-badge"]:
        assert control in order, (control, order)
    assert order.index("provider") < order.index("repository") < order.index("ref") < order.index("btn-launch")
    # choose the git provider, type the repository and launch, with keys only
    await page.fill("#repository", "")
    await page.focus("#provider")
    await page.keyboard.type("Git repository")  # a focused select picks the option typed
    await page.keyboard.press("Tab")
    await page.keyboard.type(repo.git_url)
    await page.keyboard.press("Tab")
    await page.keyboard.type("main")
    await page.keyboard.press("Enter")  # submits the form
    await page.wait_for_url(f"**/v2/git/{quote(repo.git_url, safe='')}/main")
    # the loading page's log toggle works by keyboard too
    await page.focus("#btn-show-log")
    await page.keyboard.press("Enter")
    assert await page.get_attribute("#btn-show-log", "aria-expanded") == "false"
    await page.keyboard.press("Space")
    assert await page.get_attribute("#btn-show-log", "aria-expanded") == "true"


@pytest.mark.parametrize("path", ["", "about", "v2/gh/binder-examples/requirements/HEAD", "no/such/page"])
async def test_pages_have_labels_and_no_serious_axe_violations(page, ui_binderd, path):  # noqa: F811
    await page.goto(ui_binderd.url + path)
    if not path:
        await page.fill("#repository", "binder-examples/requirements")
        await screenshot(page, "home")
    else:
        await page.wait_for_timeout(300)  # the loading page fails (no hub): judge that state too
    assert await unlabelled_controls(page) == []
    assert await serious_violations(page) == []
