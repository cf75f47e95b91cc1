"""The wheel: built without warnings, holding everything the installed program reads.

An editable install reads templates, translations, reference data and migrations from the
checkout, so a missing `package_data` line only shows once someone installs the wheel. This
builds it, checks its contents, installs it (without dependencies, beside the test venv's) in a
folder outside the checkout and runs the installed code there: migrations, a public page.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What the running program opens from its own package folders.
REQUIRED = (
    "app/public/templates/public/base.html",
    "app/public/templates/public/dashboard.html",
    "app/public/templates/public/feed.xml",
    "app/public/static/site.css",
    "app/translations/id/LC_MESSAGES/messages.mo",
    "app/reference/categories.toml",
    "app/reference/status_map.toml",
    "app/reference/jakarta-wilayah.csv",
    "migrations/env.py",
    "migrations/script.py.mako",
    "migrations/versions/0001_initial_schema.py",
    "crmsim/app.py",
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("wheel")
    # A clean copy of the sources (no build/ or egg-info left by an editable install).
    source = tmp_path_factory.mktemp("src") / "jembatan"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((ROOT / name).read_bytes())
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out),
         str(source)],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (path,) = out.glob("jembatan-*.whl")
    return path, built.stdout + built.stderr


def test_the_build_prints_no_warning(wheel: tuple[Path, str]) -> None:
    _, log = wheel
    noisy = [line for line in log.splitlines() if "warning" in line.lower()]
    assert noisy == []


def test_the_wheel_holds_every_file_the_program_opens(wheel: tuple[Path, str]) -> None:
    path, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    assert [name for name in REQUIRED if name not in names] == []
    assert not [name for name in names if name.startswith("tests/")]


def test_the_installed_wheel_migrates_and_serves_outside_the_checkout(
    wheel: tuple[Path, str], tmp_path: Path
) -> None:
    path, _ = wheel
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(path)],
        check=True, timeout=120, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    script = (
        "import app, sys\n"
        "assert app.__file__.startswith(sys.argv[1]), app.__file__\n"
        "from app import create_app\n"
        "from app.config import Settings\n"
        "from app.migrate import upgrade\n"
        "url = 'sqlite:///' + sys.argv[2]\n"
        "upgrade(url)\n"
        "flask_app = create_app(Settings.from_env(environ={}, ENV='demo', DATABASE_URL=url,"
        " LOG_JSON=False))\n"
        "client = flask_app.test_client()\n"
        "for path in ('/', '/?lang=en', '/static/public/site.css', '/readyz'):\n"
        "    response = client.get(path)\n"
        "    assert response.status_code == 200, (path, response.status_code)\n"
        "assert 'Langsung ke isi' in client.get('/').get_data(as_text=True)\n"
        "print('ok')\n"
    )
    # Run from an empty folder with the installed copy first on the path: nothing of the
    # checkout can be imported by accident.
    ran = subprocess.run(
        [sys.executable, "-c", script, str(target), str(tmp_path / "db.sqlite")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(target)},
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.strip().endswith("ok")
