"""How the functions are built: only the crates that publish or serve the pages embed them.

The map page and the volunteers' app are vigie-app's `site` feature: its build script fetches
their libraries from npm and bundles the app with esbuild. A collector or the API function built
on its own must not need npm, so the feature is asked for only by the crates that write the
public files (map-export) or upload and serve the pages (the vigie command). `cargo tree` reads
the resolved features from Cargo.lock, offline.
"""

from __future__ import annotations

import subprocess

from conftest import REPO

EMBED_THE_PAGES = {"map-export", "vigie-cli"}


def app_features(package: str) -> set[str]:
    out = subprocess.run(
        ["cargo", "tree", "--quiet", "--offline", "-e", "normal", "-p", package,
         "-f", "{p} [{f}]", "--prefix", "none"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout
    lines = [line for line in out.splitlines() if line.startswith("vigie-app ")]
    assert lines, f"{package} does not depend on vigie-app"
    features = set()
    for line in lines:
        inside = line[line.index("[") + 1:line.index("]")]
        features |= {f for f in inside.split(",") if f}
    return features


def test_only_the_crates_that_embed_the_pages_build_them():
    functions = sorted(p.name for p in (REPO / "functions").iterdir() if (p / "Cargo.toml").exists())
    assert len(functions) == 7, functions
    for package in functions + ["vigie-cli"]:
        has_site = "site" in app_features(package)
        assert has_site == (package in EMBED_THE_PAGES), (
            f"{package}: vigie-app's site feature is {'on' if has_site else 'off'}"
        )
