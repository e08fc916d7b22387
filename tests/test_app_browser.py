"""The app in a real headless browser: Voila serves the workbench notebook without code cells;
the test moves a lever, presses Run and reads the new headline, which must give the same figures
as ``wfsim run`` with the same seed and ``--set``. Then JupyterLab (``make lab``) is opened once
and must list the notebooks. Debian's Chromium and chromedriver drive it through Selenium
(``.ci/run`` installs them); without a browser the test is skipped, saying why."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "slough_2014_investment.yaml"
IMAGES = os.environ.get("WFSIM_SCREENSHOTS")      # a folder to save screenshots into (docs/images when making the docs)
REPLICATIONS = int(os.environ.get("WFSIM_APP_REPLICATIONS", "20"))     # 20, 50, 100, 200 or 500: the app's choices

pytestmark = pytest.mark.slow


def _browser() -> tuple[str, str]:
    chrome = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    driver = shutil.which("chromedriver")
    if not chrome or not driver:
        pytest.skip("no Chromium and chromedriver on this machine (apt-get install chromium chromium-driver; .ci/run does)")
    for module in ("selenium", "voila", "ipywidgets"):
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[dev]')")
    return chrome, driver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError(f"the server stopped: {proc.stdout.read() if proc.stdout else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"nothing listening on port {port} after {seconds} s")


def _driver(chrome: str, driver: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1500"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=opts)


def _server(args: list[str], cwd: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    _wait_port(port, proc)
    return proc


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def _text(browser, css: str) -> str:
    """The text of the first element matching ``css`` now ("" when none): read in the page, so an element
    that a widget redraws is never held stale."""
    return browser.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css) or ""


def _shot(browser, name: str) -> None:
    if IMAGES:
        Path(IMAGES).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(IMAGES) / name))


def test_app_moves_a_lever_runs_and_shows_the_command_lines_figures():
    chrome, driver = _browser()
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from workforce_sim.analysis.formats import format_value
    from workforce_sim.reporting.text import headline
    from workforce_sim.scenario import named_levers
    from workforce_sim.scenario.loading import load_scenario
    from workforce_sim.workflows import run as run_workflow

    start = named_levers.find("nqsw_per_year").current(load_scenario(SCENARIO).model_dump(mode="json"))
    port = _free_port()
    proc = _server([sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                    "--strip_sources=True", "workbench.ipynb"], ROOT / "notebooks", port)
    browser = _driver(chrome, driver)
    try:
        browser.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(browser, 240)
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".wfsim-run")))
        time.sleep(2)                                           # the page has finished rendering its widgets
        assert "import " not in browser.page_source            # no code cells
        _shot(browser, "app_before.png")
        for _ in range(5):                                      # a widget redrawn while rendering: find it again
            try:
                handle = browser.find_element(By.CSS_SELECTOR, ".lever-nqsw_per_year .noUi-handle")
                handle.click()
                handle.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)   # two steps of 1: two more NQSWs a year
                break
            except StaleElementReferenceException:
                time.sleep(1)
        wait.until(lambda b: _text(b, ".lever-nqsw_per_year .widget-readout").strip() == f"{int(start) + 2}")
        select = Select(browser.find_element(By.CSS_SELECTOR, ".widget-dropdown select"))
        select.select_by_visible_text(str(REPLICATIONS))
        browser.find_element(By.CSS_SELECTOR, ".wfsim-run").click()
        pressed = time.perf_counter()
        wait = WebDriverWait(browser, 900)
        wait.until(lambda b: "chance of" in _text(b, ".wfsim-headline"))
        seconds = time.perf_counter() - pressed
        text = _text(browser, ".wfsim-headline")
        wait.until(lambda b: b.execute_script("const i = document.querySelector('.wfsim-fan'); "
                                              "return i && i.complete ? i.naturalWidth : 0") > 300)   # the fan chart drawn
        assert "Permanent" in _text(browser, ".wfsim-scorecard")                                  # the scorecard redrawn
        _shot(browser, "app_after.png")
        print(f"\nRun to new headline: {seconds:.1f} s for {REPLICATIONS} replications")
    finally:
        browser.quit()
        _stop(proc)

    spec = run_workflow.prepare(SCENARIO, REPLICATIONS, 2014, overrides=[f"nqsw_per_year={int(start) + 2}"], workers=2)
    data, _ = headline(run_workflow.execute(spec).scorecard)
    for key in ("median", "low", "high"):
        assert format_value(data[key], data["unit"]) in text, (key, text)
    assert f"{REPLICATIONS} replications" in text


def test_lab_lists_the_notebooks():
    chrome, driver = _browser()
    pytest.importorskip("jupyterlab", reason="jupyterlab is not installed (pip install -e '.[dev]')")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    port = _free_port()
    proc = _server([sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
                    "--ServerApp.token=", "--ServerApp.password=", "--allow-root"], ROOT / "notebooks", port)
    browser = _driver(chrome, driver)
    try:
        browser.get(f"http://127.0.0.1:{port}/lab")
        WebDriverWait(browser, 180).until(
            lambda b: "02_recruitment_scenarios.ipynb" in " ".join(e.text for e in b.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item")))
        names = " ".join(e.text for e in browser.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item"))
        _shot(browser, "lab.png")
    finally:
        browser.quit()
        _stop(proc)
    for nb in ("01_quickstart.ipynb", "02_recruitment_scenarios.ipynb", "03_market_supplements.ipynb", "workbench.ipynb"):
        assert nb in names
