"""``python -m clinic.syscheck``: one line naming any missing system package, exit 1."""

from __future__ import annotations

import sys


def main() -> int:
    try:
        import weasyprint  # noqa: F401 -- importing loads Pango through ctypes
    except OSError as exc:
        print(
            f"Missing system library for PDF output ({exc}). Install it with: "
            "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
