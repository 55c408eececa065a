"""The installed `station` command in a real terminal (tmux): first run, one resident
served with the simulated reader and the PDF-folder printer; then the queue is read
back through the CLI and the printed PDF through pdftotext."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

STATION = Path(sys.executable).with_name("station")  # the venv's installed console script
PASSPHRASE = "correcthorse42"


class Tmux:
    def __init__(self, env: dict[str, str]) -> None:
        self.session = f"station-test-{uuid.uuid4().hex[:8]}"
        self.env = env

    def start(self, command: str) -> None:
        env_args = [f"{k}={v}" for k, v in self.env.items()]
        subprocess.run(["tmux", "new-session", "-d", "-s", self.session, "-x", "100",
                        "-y", "30", "env", *env_args, "sh", "-c",
                        f"{command}; echo STATION-EXITED $?; sleep 30"], check=True)

    def keys(self, *keys: str, literal: bool = False) -> None:
        args = ["tmux", "send-keys", "-t", self.session]
        subprocess.run([*args, "-l", *keys] if literal else [*args, *keys], check=True)
        time.sleep(0.15)

    def type(self, text: str) -> None:
        self.keys(text, literal=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.session],
                              check=True, capture_output=True, text=True).stdout

    def wait(self, text: str, timeout: float = 120.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{self.screen()}")

    def kill(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.session], check=False,
                       capture_output=True)


@pytest.fixture
def station_env(tmp_path):
    home = tmp_path / "home"
    env = {
        "STATION_HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        # No PC/SC daemon and no CUPS server for this station: the composition root
        # must fall back to the simulated reader and the PDF-folder printer.
        "PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm"),
        "CUPS_SERVER": str(tmp_path / "no-cups.sock"),
        "PATH": os.environ.get("PATH", ""),
    }
    return env


def test_installed_station_first_run_and_one_resident(station_env):
    assert STATION.exists(), "the station console script is not installed in the venv"
    for tool in ("tmux", "pdftotext"):
        assert shutil.which(tool), f"{tool} is needed (./install.sh --dev installs it)"
    tmux = Tmux(station_env)
    tmux.start(str(STATION))
    try:
        tmux.wait("首次使用")
        tmux.type("街道流动办事厅")
        tmux.keys("Enter")  # → the site list
        tmux.keys("Tab")  # → other sites
        tmux.type("新成村")
        tmux.keys("Enter")
        tmux.type("王小明")
        tmux.keys("Enter")
        tmux.type(PASSPHRASE)
        tmux.keys("Enter")
        tmux.type(PASSPHRASE)
        tmux.keys("Enter")
        tmux.wait("今天的出摊")
        tmux.keys("Enter")
        desk = tmux.wait("今日业务")
        assert "培训模式" in desk
        assert "printed" in tmux.wait("printed")  # the status bar names the PDF folder
        tmux.keys("F4")
        tmux.wait("培训模式：选择一张模拟社保卡")
        tmux.keys("Enter")  # the first fictional resident (88 years old)
        picker = tmux.wait("选择事项")
        assert "80 岁以上，可预约上门服务" in picker
        tmux.type("jlk")
        tmux.wait("MZ01")
        tmux.keys("Enter")
        tmux.wait("办事指南")
        tmux.keys("a", "Enter")
        tmux.wait("联系电话")  # offered; required only for a posted result or a home visit
        tmux.keys("Enter")  # the defaults: payout preselected, collected at the centre
        tmux.wait("请核对")
        tmux.keys("Enter")
        recorded = tmux.wait("已记录")
        assert "受理回执已保存为" in recorded  # the PDF-folder printer says where it went
        tmux.keys("5")
        tmux.wait("今日业务")
        tmux.keys("C-q")
        tmux.wait("STATION-EXITED 0")
    finally:
        tmux.kill()

    env = {**os.environ, **station_env}
    listed = subprocess.run([str(STATION), "case", "list", "--json"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr
    (case,) = json.loads(listed.stdout)
    assert case["matter"] == "MZ01" and case["status"] == "accepted"
    assert case["site"] == "新成村" and case["staff_name"] == "王小明"
    assert case["version"] == 2  # recorded, then rated

    pdfs = sorted(Path(station_env["STATION_HOME"]).rglob("*.pdf"))
    assert len(pdfs) == 1, pdfs
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert case["case_no"] in text
    assert "敬老卡申领" in text and "张演示" in text
    assert "310101193803120013" not in text  # the full ID number never prints
