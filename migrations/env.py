"""Alembic environment shared by the core and every plugin.

The core's revisions carry the branch label ``core``; each plugin's revisions live
in the plugin's own ``migrations/versions`` folder as a branch labelled with the
plugin's name that ``depends_on`` the core revision it needs.  Every installed
plugin's folder is on the version path (see ``clinic.app``).

Because plugins make several heads, a plain ``flask --app wsgi db upgrade`` (target
``head``) is taken to mean: the core and every enabled plugin, each to its head.
"""

import logging
from logging.config import fileConfig

from alembic import context
from alembic.runtime.migration import MigrationStep
from alembic.script import ScriptDirectory
from flask import current_app

from clinic.database import ensure_truncate_guards
from clinic.downgrade_guard import watch
from clinic.plugins import migration_filter
from clinic.revisions import without_implied

config = context.config
if config.config_file_name:
    # Keep the app's loggers (each plugin's clinic.plugins.<name>) working after a
    # migration ran in the same process.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


include_object = migration_filter(current_app.extensions["clinic"])


def _upgrade_enabled_heads_when_head_requested() -> dict:
    """Return configure() options that turn ``upgrade head`` into "core and enabled plugins".

    Alembic knows the branches of every installed plugin (so recorded revisions of a
    disabled plugin can be found), but only enabled ones are upgraded.  Called after a
    first ``context.configure()``: the command's options (which command, which target)
    are readable on the configured :class:`~alembic.runtime.migration.MigrationContext`.
    """
    opts = context.get_context().opts
    destination = opts.get("destination_rev")
    fn = opts.get("fn")
    if destination != "head" or fn is None or getattr(fn, "__name__", "") != "upgrade":
        return {}
    script = ScriptDirectory.from_config(config)
    targets = without_implied(script, config.attributes.get("clinic_upgrade_targets") or ())
    if not targets:
        return {}

    def upgrade_enabled(rev, _context):
        # What Alembic's own upgrade does for one target, for several: every revision
        # between what is applied and the targets, oldest first.
        revisions = script.iterate_revisions(targets, rev, implicit_base=True)
        return [
            MigrationStep.upgrade_from_script(script.revision_map, revision)
            for revision in reversed(list(revisions))
        ]

    return {"fn": upgrade_enabled}


def run_migrations_offline():
    options = dict(
        url=str(db.engine.url),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
    )
    context.configure(**options)
    context.configure(**options, **_upgrade_enabled_heads_when_head_requested())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(ctx, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    connectable = db.engine
    with connectable.connect() as connection:
        options = dict(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            **conf_args,
        )
        context.configure(**options)
        context.configure(**options, **_upgrade_enabled_heads_when_head_requested())
        fn = context.get_context().opts.get("fn")
        if getattr(fn, "__name__", "") == "downgrade":
            # One transaction for the whole downgrade, so a refusal part-way (a table
            # that still holds rows) rolls back every step before it, triggers included.
            with connection.begin():
                watch(connection, context.get_x_argument(as_dictionary=True))
                context.run_migrations()
                ensure_truncate_guards(connection)
            return
        with context.begin_transaction():
            context.run_migrations()
            # Whatever table a migration (core or plugin) guarded against DELETE is also
            # guarded against TRUNCATE, including tables created before that guard existed.
            ensure_truncate_guards(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
