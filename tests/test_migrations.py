"""Migrations: one Alembic environment, a branch per plugin, models and migrations agree."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from clinic.audit.service import record, verify_chain
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.plugins import migration_filter
from clinic.revisions import ancestors
from clinic.testing import make_patient, make_user


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to do on a database migrated to every head."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": migration_filter(app.extensions["clinic"]),
                "target_metadata": db.metadata,
            },
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"


def _heads_applied(app) -> tuple[set, set]:
    """(revisions applied, heads of core and enabled plugins).

    Applied includes what the recorded heads imply.

    A plugin branch ``depends_on`` the core, so the database records only the plugin's
    head; the core revision it depends on is applied all the same.
    """
    config = app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    with db.engine.connect() as connection:
        recorded = set(MigrationContext.configure(connection).get_current_heads())
    applied = set(recorded).union(*(ancestors(script, rid) for rid in recorded))
    targets = {script.get_revision(t).revision for t in config.attributes["clinic_upgrade_targets"]}
    return applied, targets


def test_plain_db_upgrade_brings_core_and_every_enabled_plugin_to_head(
    app_factory, empty_database_url
):
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        applied, heads = _heads_applied(app)
        db.engine.dispose()
    assert heads <= applied
    assert len(heads) == 1 + len(app.extensions["clinic"].migration_folders)


def test_upgrading_a_populated_database_keeps_every_row(app_factory, empty_database_url):
    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(revision="core@head")  # an install that predates the plugins
        for n in range(25):
            make_patient(first_name=f"Keep{n}", date_of_birth=dt.date(1960, 1, 1))
        make_user("admin", username="keeper")
        for _ in range(10):
            record("patient.search")
        db.session.commit()
        upgrade()  # now every enabled plugin's branch
        assert db.session.scalar(select(func.count(Patient.id))) == 25
        report = verify_chain()
        assert report.ok and report.checked == 10
        db.session.commit()  # end the read transaction before opening another connection
        applied, heads = _heads_applied(app)
        assert heads <= applied
        db.session.remove()
        db.engine.dispose()


def test_each_plugin_branch_downgrades_cleanly_and_upgrades_again(app_factory, empty_database_url):
    from flask_migrate import downgrade
    from sqlalchemy import inspect as sa_inspect

    app = app_factory(SQLALCHEMY_DATABASE_URI=empty_database_url)
    branches = [
        name
        for name, loaded in app.extensions["clinic"].plugins.items()
        if loaded.status == "enabled" and loaded.manifest.migrations
    ]
    with app.app_context():
        upgrade()
        for name in branches:
            downgrade(revision=f"{name}@base")
            tables = sa_inspect(db.engine).get_table_names()
            assert not [t for t in tables if t.startswith(f"{name}_")], name
            if db.engine.dialect.name == "postgresql":
                leftovers = (
                    db.session.execute(
                        text("SELECT proname FROM pg_proc WHERE proname LIKE :p"), {"p": f"{name}%"}
                    )
                    .scalars()
                    .all()
                )
                assert leftovers == [], f"{name} left trigger functions behind: {leftovers}"
            db.session.commit()
            upgrade()
            assert any(t.startswith(f"{name}_") for t in sa_inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()


def test_migration_code_uses_only_public_alembic_names():
    """``env.py`` and ``clinic.revisions`` reach into nothing private (names with ``_``)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    private = []
    for path in (root / "migrations" / "env.py", root / "clinic" / "revisions.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            name = getattr(node, "attr", None) or ""
            if isinstance(node, ast.ImportFrom):
                names = [alias.name for alias in node.names]
                private += [f"{path.name}: {node.module}.{n}" for n in names if n.startswith("_")]
            elif name.startswith("_") and not name.startswith("__"):
                private.append(f"{path.name}:{node.lineno} .{name}")
    assert private == []
