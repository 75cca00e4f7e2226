"""``make screenshots``: regenerate ``docs/screens/`` from the demo clinic.

Builds a throwaway demo clinic (``flask --app wsgi demo``) in a temporary folder,
serves it on 127.0.0.1 and drives the day's journeys (``tests/browser/journeys.py``)
in the system Chromium, once at 1366x900 (desk PC) and once at 820x1180 (tablet).
Screens are saved as 256-colour PNGs so the repository stays small.

    python -m tests.browser.screens [OUTPUT_DIR] [--port N]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIEWPORTS = {"desk": (1366, 900), "tablet": (820, 1180)}
CLINIC_NAME = "Harbour Street Massage & Pain Clinic"


def _flask(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def build_demo(instance: Path) -> tuple[dict, dict[str, str]]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("CLINIC_") or k == "CLINIC_CHROMIUM"
    }
    env.update(
        CLINIC_INSTANCE_PATH=str(instance),
        CLINIC_SECURE_COOKIES="0",
        CLINIC_NAME=CLINIC_NAME,
        CLINIC_ADDRESS="12 Harbour Street, Springfield, IL 62701",
        CLINIC_PHONE="(217) 555-0140",
    )
    _flask(env, "db", "upgrade")
    printed = _flask(env, "demo")
    passwords = dict(re.findall(r"^\s+(\w+)\s+[\w-]+\s+(\S+)$", printed, re.MULTILINE))
    return env, passwords


def pick_patient(app):
    """A demo patient with a completed intake and a treatment plan: a full chart."""
    from sqlalchemy import select

    from clinic.extensions import db
    from clinic.patients.models import Patient

    with app.app_context():
        ids = list(db.session.scalars(select(Patient.id).order_by(Patient.id)))
        registry = app.extensions["clinic"]
        for pid in ids:
            patient = db.session.get(Patient, pid)
            measures = registry.collect("patient_outcome_measures", patient=patient)
            flags = registry.collect("patient_safety_flags", patient=patient)
            if len(measures) >= 3 and flags and not patient.archived:
                return pid, patient.first_name, patient.display_name, patient.full_name
    raise SystemExit("the demo clinic has no patient with scores and alerts")


def save_small(page, path: Path) -> None:
    from PIL import Image

    page.screenshot(path=str(path))
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(ROOT / "docs" / "screens"))
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from clinic.testing import CHROMIUM, CHROMIUM_ARGS
    from tests.browser import journeys

    with tempfile.TemporaryDirectory(prefix="clinic-screens-") as tmp:
        env, passwords = build_demo(Path(tmp))
        # The in-process app must see only the demo clinic's settings.
        for key in [k for k in os.environ if k.startswith("CLINIC_") and k not in env]:
            del os.environ[key]
        os.environ.update({k: v for k, v in env.items() if k.startswith("CLINIC_")})
        from clinic import create_app

        app = create_app()
        patient_id, first_name, display_name, full_name = pick_patient(app)
        server = make_server("127.0.0.1", args.port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                for label, (width, height) in VIEWPORTS.items():

                    def shoot(page, name, label=label):
                        save_small(page, out / f"{name}-{label}.png")
                        print(f"  {name}-{label}.png")

                    desk = browser.new_page(
                        base_url=url, viewport={"width": width, "height": height}
                    )
                    desk.goto("/")
                    journeys.sign_in(desk, "desk", passwords["desk"])
                    journeys.desk_opens_chart_by_number(desk, shoot, patient_id, display_name)
                    code = journeys.desk_starts_tablet_packet(desk, shoot, "New back-pain patient")

                    tablet = browser.new_page(
                        base_url=url, viewport={"width": width, "height": height}, has_touch=True
                    )
                    tablet.goto("/intake/tablet/")
                    journeys.patient_opens_packet(tablet, shoot, code, first_name)
                    journeys.patient_answers_history_quietly(tablet, shoot)
                    journeys.patient_signs_consent(tablet, shoot, full_name)
                    journeys.patient_marks_pain(
                        tablet, shoot, {"lower_back_l": 7, "buttock_l": 5, "neck_r": 3}
                    )
                    tablet.close()

                    journeys.sign_out(desk)
                    journeys.sign_in(desk, "therapist", passwords["therapist"])
                    journeys.therapist_reviews_start_page(desk, shoot)
                    desk.close()
                browser.close()
        finally:
            server.shutdown()
            thread.join(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
