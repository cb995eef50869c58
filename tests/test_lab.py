"""JupyterLab as the README starts it (``make lab``), opened in a real browser (issue 17 item 1).

Copies the notebooks and the Makefile to a temporary folder, runs ``make lab`` there on a free
port with a token (the set-up step skipped: this environment is installed), opens
quickstart.ipynb in headless Debian Chromium through Playwright, checks that the notebook
rendered (its title and its saved outputs), that the kernel starts, and that running the first
code cells imports decision_kit and loads the scenario. A screenshot is kept in
test-artifacts/jupyterlab.png. Every wait is bounded.
"""

import os
import secrets

import pytest
from serving import CHROMIUM, CHROMIUM_ARGS, ROOT, Server, copy_project, free_port, make_command, require_browser

SCREENSHOT = ROOT / "test-artifacts" / "jupyterlab.png"
VIEWPORT = {"width": 1280, "height": 1000}
RENDER_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 60_000


@pytest.fixture
def lab(tmp_path):
    require_browser()
    project = copy_project(tmp_path / "project")
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path / "jupyter"  # keep the server's settings, runtime files and workspaces out of ~
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    server = Server(
        make_command(
            "lab", f"LAB_PORT={port}", f"LAB_TOKEN={token}", "LAB_ARGS=--no-browser --ServerApp.port_retries=0"
        ),
        cwd=project,
        log=tmp_path / "lab.log",
        env=env,
    )
    try:
        server.wait_for_port(port)
        yield f"http://127.0.0.1:{port}", token, server
    finally:
        server.stop()


def test_make_lab_serves_a_notebook_that_renders_and_runs(lab):
    from playwright.sync_api import sync_playwright

    base, token, server = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(RENDER_TIMEOUT_MS)
            denied = page.goto(f"{base}/lab/tree/quickstart.ipynb")  # no token: the login page
            assert "token" in page.content().lower() and denied is not None
            page.goto(f"{base}/lab/tree/quickstart.ipynb?token={token}")
            try:
                title = page.locator(".jp-MarkdownOutput h1").first
                title.wait_for()
            except Exception:
                page.screenshot(path=str(SCREENSHOT.with_name("jupyterlab-failed.png")))
                raise AssertionError(f"the notebook did not render; server log:\n{server.output()}") from None
            assert title.inner_text().startswith("Quickstart")
            # a saved output of the committed notebook (the recommendation line), as rendered
            page.locator(".jp-OutputArea-output", has_text="Recommend").first.wait_for()

            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=RUN_TIMEOUT_MS)
            # run the parameters cell, then the next one (Shift+Enter runs a cell and moves on)
            page.locator(".jp-CodeCell", has_text="scenario_path =").first.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            page.keyboard.press("Shift+Enter")
            cell = page.locator(".jp-CodeCell", has_text="import decision_kit").first
            prompt = cell.locator(".jp-InputPrompt")
            page.wait_for_function(
                "el => /\\[\\d+\\]/.test(el.innerText)", arg=prompt.element_handle(), timeout=RUN_TIMEOUT_MS
            )
            assert "Marketing automation platform" in cell.locator(".jp-OutputArea").inner_text()
            assert "Error" not in cell.locator(".jp-OutputArea").inner_text()

            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
