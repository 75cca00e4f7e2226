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
from flask import current_app

from clinic.database import ensure_truncate_guards
from clinic.plugins import migration_filter
from clinic.revisions import without_implied

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


include_object = migration_filter(current_app.extensions["clinic"])


def _upgrade_enabled_heads_when_head_requested() -> dict:
    """Return configure() options that turn ``upgrade head`` into "core and enabled plugins".

    Alembic knows the branches of every installed plugin (so recorded revisions of a
    disabled plugin can be found), but only enabled ones are upgraded.
    """
    # alembic.context is a module proxy; _proxy is the EnvironmentContext behind it.
    env = context._proxy
    destination = env.context_opts.get("destination_rev")
    fn = env.context_opts.get("fn")
    if destination != "head" or fn is None or getattr(fn, "__name__", "") != "upgrade":
        return {}
    script = env.script
    targets = without_implied(script, config.attributes.get("clinic_upgrade_targets") or ())
    if not targets:
        return {}

    def upgrade_enabled(rev, _context):
        return script._upgrade_revs(targets, rev)

    return {"fn": upgrade_enabled}


def run_migrations_offline():
    context.configure(
        url=str(db.engine.url),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_object,
        **_upgrade_enabled_heads_when_head_requested(),
    )
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
    conf_args.update(_upgrade_enabled_heads_when_head_requested())

    connectable = db.engine
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
            # Whatever table a migration (core or plugin) guarded against DELETE is also
            # guarded against TRUNCATE, including tables created before that guard existed.
            ensure_truncate_guards(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
