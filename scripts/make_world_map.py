"""Regenerate data/reference/countries-110m.json: Natural Earth's 1:110m country shapes as TopoJSON, from the
npm package world-atlas (pinned below), copied byte for byte and checked against the sha256 that
data/reference/README.md gives.

    python scripts/make_world_map.py            # runs `npm pack world-atlas@VERSION` in a temporary folder
    python scripts/make_world_map.py FILE.tgz   # from a tarball fetched before

The web pages read the committed file only (rcpkg.maps); nothing is fetched at build, test or run time.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "world-atlas"
VERSION = "2.0.2"
MEMBER = "package/countries-110m.json"
SHA256 = "2516c915867c7baf18ddec727aec46c315541a07cfb3d79a6559b05d5e94eee8"
TARGET = Path(__file__).resolve().parents[1] / "data" / "reference" / "countries-110m.json"


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if argv:
            tarball = Path(argv[0])
        else:
            name = (
                subprocess.run(
                    ["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent"],
                    cwd=tmp,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            tarball = Path(tmp) / name
        with tarfile.open(tarball) as tar:
            member = tar.extractfile(MEMBER)
            if member is None:
                print(f"{tarball} has no {MEMBER}", file=sys.stderr)
                return 1
            data = member.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        print(
            f"{MEMBER} has sha256 {digest}, not {SHA256}: a different version? Update README and this script.",
            file=sys.stderr,
        )
        return 1
    TARGET.write_bytes(data)
    print(f"wrote {TARGET} ({len(data)} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
