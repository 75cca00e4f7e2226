"""``make demo`` gives some patients invented payers, policies and authorizations."""

from __future__ import annotations

from sqlalchemy import func, select

from clinic.api import db
from plugins.insurance.models import Authorization, Payer, Policy


def _counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Payer, Policy, Authorization)
    )


def test_demo_adds_synthetic_coverage(app, runner):
    result = runner.invoke(args=["demo", "--patients", "16", "--seed", "5"])
    assert result.exit_code == 0, result.output
    payers, policies, auths = _counts()
    assert payers == 3 and 0 < policies < 16 and auths <= policies
    names = db.session.scalars(select(Payer.name)).all()
    assert all(name.endswith("(demo)") for name in names)
    members = db.session.scalars(select(Policy.member_id).order_by(Policy.id)).all()
    assert all(m.startswith("DM") for m in members)
