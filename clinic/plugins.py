"""Finding, checking and loading plugins.

Plugins are installed distributions that expose a :class:`PluginManifest` through
the ``clinic.plugins`` entry-point group.  Only plugins on the allow-list
(``CLINIC_PLUGINS``; by default every plugin the ``clinic`` distribution itself
bundles) are loaded.  Anything wrong with a listed plugin stops start-up with a
:class:`PluginLoadError` naming it; ``CLINIC_SAFE_MODE=1`` starts the core alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pluggy
from flask import Blueprint, Flask
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from clinic import __version__, hookspecs
from clinic.contributions import ALERT_LEVEL_ORDER
from clinic.permissions import CORE_PERMISSIONS, Permission, user_can

ENTRY_POINT_GROUP = "clinic.plugins"
BUNDLED_DISTRIBUTION = "clinic"
log = logging.getLogger(__name__)


class PluginLoadError(RuntimeError):
    """A plugin on the allow-list cannot be loaded; the message names it and says why."""


@dataclass
class PluginManifest:
    """What a plugin tells the core about itself.

    :param name: short identifier; also the blueprint name, URL prefix, template
        folder (``templates/<name>/``), table prefix and setting prefix.
    :param core_requires: PEP 440 specifier of the core versions it works with.
    :param blueprint: the plugin's routes, mounted under ``/<name>``.
    :param hooks: module or object holding ``@hookimpl`` functions.
    :param hookspecs: optional module declaring hooks this plugin offers others.
    :param models: dotted module path imported at load so its tables are known.
    :param permissions: permissions the plugin defines.
    :param settings: setting name → default; overridable with the environment
        variable ``CLINIC_<NAME>_<SETTING>`` or by an administrator.
    :param required_settings: settings with no sensible default (an account number, a
        payer's address): each must be given as ``CLINIC_<NAME>_<SETTING>``, or the
        plugin stops start-up with a message naming it and the variable.
    :param migrations: folder of the plugin's Alembic revisions (its own branch,
        labelled with the plugin name).
    :param route_policy: dotted path of the module holding the plugin's route-policy
        table (``RULES`` and ``route_args``); the core's route-policy test finds it here.
        Default: ``<package>.tests.route_policy``.
    :param chart_cacheable: everything the plugin draws on a patient's chart (panels,
        alerts, summary facts, actions) depends only on rows written through the app's
        database session, the signed-in user and the clinic day -- never on the clock
        within the day, a file, another service or per-request state.  When every
        enabled plugin says so, a drawn chart is kept until one of those changes
        (:mod:`clinic.chartcache`); one plugin that does not turns the keeping off.

    Every table the plugin's models define must be named ``<name>_...``: the
    migration filter tells plugins' tables apart by that prefix, so start-up refuses
    a table without it.
    """

    name: str
    title: str
    version: str
    core_requires: str
    blueprint: Blueprint | None = None
    hooks: Any = None
    hookspecs: Any = None
    models: str | None = None
    permissions: tuple[Permission, ...] = ()
    settings: dict[str, Any] = field(default_factory=dict)
    migrations: str | Path | None = None
    description: str = ""
    required_settings: tuple[str, ...] = ()
    route_policy: str | None = None
    chart_cacheable: bool = False


@dataclass
class LoadedPlugin:
    name: str
    manifest: PluginManifest | None
    distribution: str
    status: str  # "enabled", "disabled", "failed" or "not loaded (safe mode)"
    error: str = ""
    hooks: tuple[str, ...] = ()
    package: str = ""  # the Python package the entry point names


class PluginRegistry:
    """Everything the core knows about the running set of plugins."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, LoadedPlugin] = {}
        self.permissions: dict[str, Permission] = {p.name: p for p in CORE_PERMISSIONS}
        self.settings: dict[str, dict[str, Any]] = {}
        self.migration_folders: list[Path] = []

    @property
    def chart_cacheable(self) -> bool:
        """Whether a drawn chart may be kept: every set of hooks registered belongs to
        the core or to an enabled plugin that allows it."""
        for name, _hooks in self.pm.list_name_plugin():
            if name == "core":
                continue
            loaded = self.plugins.get(name)
            if loaded is None or loaded.manifest is None or not loaded.manifest.chart_cacheable:
                return False
        return True

    # -- hook helpers -------------------------------------------------------
    def collect(self, hook_name: str, **kwargs) -> list:
        """Call a hook and flatten the lists every implementation returned."""
        hook = getattr(self.pm.hook, hook_name)
        results: list = []
        for part in hook(**kwargs):
            if part:
                results.extend(part)
        return results

    def visible(self, items: list, user) -> list:
        return [item for item in items if user_can(user, item.permission)]

    def nav_items(self, user) -> list:
        return sorted(
            self.visible(self.collect("nav_items", user=user), user),
            key=lambda item: (item.order, item.label),
        )

    def chart_panels(self, patient, user) -> list:
        panels = self.collect("patient_chart_panels", patient=patient, user=user)
        return sorted(self.visible(panels, user), key=lambda p: (p.order, p.title))

    def alerts(self, patient, user) -> list:
        """The patient's alerts this user may see, worked out once per request.

        A page asks for them in several places (banner, header, list rows); the
        answer is kept for the current request and forgotten on any database write
        (:mod:`clinic.memo`), and between requests only while nothing it comes from
        has changed (:meth:`alerts_many`).
        """
        return self.alerts_many([patient], user)[patient.id]

    def alerts_many(self, patients, user) -> dict[int, list]:
        """Patient id -> the alerts this user may see, for a list of patients at once.

        Plugins that implement ``patient_alerts_many`` answer for the whole list in a
        few queries; one that implements only ``patient_alerts`` is asked patient by
        patient.  Answers are kept for the rest of the request, as with ``alerts``,
        and, when every plugin allows it, until the patient's records change
        (:mod:`clinic.chartcache`).
        """
        from clinic.memo import peek, per_request

        user_id = getattr(user, "id", None)
        known = {p.id: peek("alerts", (p.id, user_id)) for p in patients}
        todo = {p.id: p for p in patients if known[p.id] is None}
        # Alerts kept from an earlier request while the patient's records are unchanged
        # (clinic.chartcache): only the others are asked for.
        kept = self._kept_alerts()
        kept_keys = kept.alert_keys(list(todo), user) if kept is not None and todo else {}
        for patient_id, key in kept_keys.items():
            found_earlier = kept.get_alerts(key)
            if found_earlier is not None:
                known[patient_id] = per_request(
                    "alerts", (patient_id, user_id), lambda alerts=found_earlier: alerts
                )
                del todo[patient_id]
        if todo:
            found: dict[int, list] = {patient_id: [] for patient_id in todo}
            batch = self.pm.hook.patient_alerts_many
            for part in batch(patients=list(todo.values()), user=user):
                for patient_id, alert in part or ():
                    if patient_id in found:
                        found[patient_id].append(alert)
            answered = [impl.plugin for impl in batch.get_hookimpls()]
            one_by_one = self.pm.subset_hook_caller("patient_alerts", remove_plugins=answered)
            if one_by_one.get_hookimpls():
                for patient in todo.values():
                    for part in one_by_one(patient=patient, user=user):
                        found[patient.id].extend(part or ())
            for patient_id, alerts in found.items():
                ordered = sorted(
                    self.visible(alerts, user),
                    key=lambda a: (ALERT_LEVEL_ORDER.get(a.level, 9), a.title),
                )
                known[patient_id] = per_request(
                    "alerts", (patient_id, user_id), lambda ordered=ordered: ordered
                )
                if patient_id in kept_keys:
                    kept.put_alerts(kept_keys[patient_id], ordered)
        return {p.id: list(known[p.id]) for p in patients}

    @staticmethod
    def _kept_alerts():
        from flask import current_app, has_request_context

        if not has_request_context():
            return None
        return current_app.extensions.get("clinic_chart_cache")

    def patient_actions(self, patient, user, context: dict) -> list:
        """What other plugins offer on a page about ``patient`` (``context`` names it)."""
        found = self.collect("patient_actions", patient=patient, user=user, context=context)
        return sorted(self.visible(found, user), key=lambda a: (a.order, a.label))

    def summary_facts(self, patient, user) -> list:
        facts = self.visible(self.collect("patient_summary_facts", patient=patient), user)
        return sorted(facts, key=lambda f: (f.order, f.label))

    def worklist(self, user, today) -> list[tuple[str, list]]:
        """The start page's lists as ``(section, rows)`` pairs, in display order."""
        rows = self.visible(self.collect("worklist_items", user=user, today=today), user)
        sections: dict[str, list] = {}
        order: dict[str, int] = {}
        for row in rows:
            sections.setdefault(row.section, []).append(row)
            order[row.section] = min(order.get(row.section, row.section_order), row.section_order)
        for section_rows in sections.values():
            # Stable sorts: newest first, then the most urgent level on top.
            section_rows.sort(key=lambda r: r.title)
            section_rows.sort(key=_newest_first, reverse=True)
            section_rows.sort(key=lambda r: ALERT_LEVEL_ORDER.get(r.level, 9))
        return [(name, sections[name]) for name in sorted(sections, key=lambda n: (order[n], n))]

    def hook_names(self, plugin_object) -> tuple[str, ...]:
        return tuple(sorted(caller.name for caller in self.pm.get_hookcallers(plugin_object) or ()))

    def setting(self, plugin: str, key: str) -> Any:
        from clinic.settings import get_setting

        default = self.settings[plugin][key]
        return get_setting(f"{plugin}.{key}", default)


def _newest_first(row) -> tuple:
    # A plain date (a session day) sorts as its midnight beside timestamps.
    when = row.when
    if when is not None and not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time())
    return (when is not None, when or dt.datetime.min)


def discover() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def bundled_plugin_names() -> list[str]:
    """Plugins shipped inside the ``clinic`` distribution itself (the default allow-list)."""
    return sorted(
        n for n, ep in discover().items() if _distribution_name(ep) == BUNDLED_DISTRIBUTION
    )


def disabled_plugin_migrations(registry: PluginRegistry) -> list[Path]:
    """Migration folders of installed plugins that are not enabled.

    Alembic must still know their revisions: a database upgraded while a plugin was
    enabled records that plugin's revision, and without its folder every later
    ``db upgrade`` would fail to locate it.  Their branches are never upgraded.
    """
    folders: list[Path] = []
    available = discover()
    for name, loaded in registry.plugins.items():
        if loaded.status == "enabled" or name not in available:
            continue
        try:
            manifest = available[name].load()
        except Exception:  # noqa: BLE001 -- a broken disabled plugin must not block migrations
            log.warning("could not read migrations of disabled plugin %r", name)
            continue
        folder = getattr(manifest, "migrations", None)
        if folder and Path(folder).is_dir():
            folders.append(Path(folder))
    return folders


def migration_filter(registry: PluginRegistry):
    """Alembic ``include_object`` for autogenerate: judge only the core and enabled plugins.

    Skipped: tables in the database that no loaded model describes, and tables of
    plugins that are installed but not enabled (plugin tables carry the
    ``<plugin>_`` prefix), whose models may be imported but are not ours to migrate.
    """
    not_enabled = {name for name, p in registry.plugins.items() if p.status != "enabled"}

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            if reflected and compare_to is None:
                return False
            table_name = name
        else:
            table = getattr(obj, "table", None)
            table_name = table.name if table is not None else ""
        return not any(table_name.startswith(f"{plugin}_") for plugin in not_enabled)

    return include_object


def _distribution_name(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return dist.metadata["Name"] if dist is not None else "unknown"


def setting_variable(plugin: str, key: str) -> str:
    """The environment variable that sets a plugin setting, e.g. ``CLINIC_INTAKE_TOKEN_MINUTES``."""
    return f"CLINIC_{plugin}_{key}".upper().replace(".", "_").replace("-", "_")


def _raw_setting(app: Flask, env_name: str) -> Any:
    # The app's config wins over the process environment, so tests (and an embedding
    # application) can set a plugin setting without touching os.environ.
    if env_name in app.config:
        return app.config[env_name]
    return os.environ.get(env_name)


def _coerce_setting(plugin: str, key: str, default: Any, raw: Any) -> Any:
    env_name = setting_variable(plugin, key)
    if raw is None:
        return default
    if not isinstance(raw, str):
        return raw
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError as exc:
        raise PluginLoadError(
            f"plugin {plugin!r}: setting {env_name}={raw!r} is not a valid {type(default).__name__}"
        ) from exc
    return raw


def _check_manifest(name: str, manifest: Any) -> PluginManifest:
    if not isinstance(manifest, PluginManifest):
        raise PluginLoadError(f"plugin {name!r}: its entry point is not a PluginManifest")
    if manifest.name != name:
        raise PluginLoadError(
            f"plugin {name!r}: manifest calls itself {manifest.name!r}; the names must match"
        )
    try:
        spec = SpecifierSet(manifest.core_requires)
    except InvalidSpecifier as exc:
        raise PluginLoadError(
            f"plugin {name!r}: core_requires {manifest.core_requires!r} is not a version range"
        ) from exc
    if Version(__version__) not in spec:
        raise PluginLoadError(
            f"plugin {name!r} {manifest.version} needs clinic core {manifest.core_requires}, "
            f"but this is {__version__}"
        )
    return manifest


def load_plugins(app: Flask, registry: PluginRegistry) -> None:
    from clinic import core_hooks

    registry.pm.register(core_hooks, name="core")
    available = discover()
    allow = app.config.get("CLINIC_PLUGINS")
    if allow is None:
        allow = sorted(
            n for n, ep in available.items() if _distribution_name(ep) == BUNDLED_DISTRIBUTION
        )
    for name, ep in available.items():
        if name not in allow:
            registry.plugins[name] = LoadedPlugin(name, None, _distribution_name(ep), "disabled")

    if app.config.get("CLINIC_SAFE_MODE"):
        log.warning("CLINIC_SAFE_MODE is on: starting the core without plugins")
        _probe_in_safe_mode(registry, available, allow)
        return

    manifests: list[tuple[PluginManifest, str]] = []
    packages: dict[str, str] = {}
    for name in allow:
        ep = available.get(name)
        if ep is None:
            raise PluginLoadError(
                f"plugin {name!r} is listed in CLINIC_PLUGINS but no installed "
                f"distribution provides it (entry-point group {ENTRY_POINT_GROUP!r})"
            )
        try:
            manifest = ep.load()
        except Exception as exc:  # noqa: BLE001 -- any import failure must name the plugin
            raise PluginLoadError(f"plugin {name!r} failed to import: {exc!r}") from exc
        manifests.append((_check_manifest(name, manifest), _distribution_name(ep)))
        packages[name] = ep.value.split(":", 1)[0]

    # Hook specs first, so any plugin may implement hooks another plugin declares.
    for manifest, _dist in manifests:
        if manifest.hookspecs is not None:
            registry.pm.add_hookspecs(manifest.hookspecs)

    for manifest, dist in manifests:
        _enable(app, registry, manifest, dist, packages[manifest.name])
        registry.plugins[manifest.name].package = packages[manifest.name]


def _required_settings(app: Flask, manifest: PluginManifest) -> dict[str, Any]:
    values = {}
    for key in manifest.required_settings:
        variable = setting_variable(manifest.name, key)
        raw = _raw_setting(app, variable)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise PluginLoadError(
                f"plugin {manifest.name!r}: required setting {key!r} is not set "
                f"(set the environment variable {variable})"
            )
        values[key] = raw.strip() if isinstance(raw, str) else raw
    return values


def plugin_tables(manifest: PluginManifest, package: str) -> list:
    """The tables a plugin's models define: mapped classes from its package, and any
    plain ``Table`` in its models module."""
    from sqlalchemy import Table

    from clinic.extensions import db

    def ours(module_name: str) -> bool:
        return module_name == package or module_name.startswith(f"{package}.")

    tables = {}
    for mapper in db.Model.registry.mappers:
        if ours(mapper.class_.__module__):
            for table in mapper.tables:
                tables[table.name] = table
    if manifest.models:
        module = import_module(manifest.models)
        for value in vars(module).values():
            if isinstance(value, Table) and value.metadata is db.metadata:
                tables[value.name] = value
    return [tables[n] for n in sorted(tables)]


def _check_table_prefix(manifest: PluginManifest, package: str) -> None:
    prefix = f"{manifest.name}_"
    wrong = [t.name for t in plugin_tables(manifest, package) if not t.name.startswith(prefix)]
    if wrong:
        raise PluginLoadError(
            f"plugin {manifest.name!r}: table(s) {', '.join(wrong)} must be named "
            f"{prefix}... (a plugin's tables carry its name as prefix)"
        )


def _enable(
    app: Flask, registry: PluginRegistry, manifest: PluginManifest, dist: str, package: str
) -> None:
    name = manifest.name
    try:
        if manifest.models:
            import_module(manifest.models)
        for perm in manifest.permissions:
            if perm.name in registry.permissions:
                raise PluginLoadError(
                    f"plugin {name!r}: permission {perm.name!r} is already defined"
                )
            registry.permissions[perm.name] = perm
        _check_table_prefix(manifest, package)
        registry.settings[name] = {
            key: _coerce_setting(name, key, default, _raw_setting(app, setting_variable(name, key)))
            for key, default in manifest.settings.items()
        }
        registry.settings[name].update(_required_settings(app, manifest))
        if manifest.blueprint is not None:
            app.register_blueprint(manifest.blueprint, url_prefix=f"/{name}")
        if manifest.hooks is not None:
            registry.pm.register(manifest.hooks, name=name)
        if manifest.migrations:
            folder = Path(manifest.migrations)
            if not folder.is_dir():
                raise PluginLoadError(f"plugin {name!r}: migrations folder {folder} is missing")
            registry.migration_folders.append(folder)
    except PluginLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 -- report which plugin broke start-up
        raise PluginLoadError(f"plugin {name!r} failed to start: {exc!r}") from exc
    hooks = registry.hook_names(manifest.hooks) if manifest.hooks is not None else ()
    registry.plugins[name] = LoadedPlugin(name, manifest, dist, "enabled", hooks=hooks)
    plugin_logger(name).info("enabled %s %s from %s", name, manifest.version, dist)


def plugin_logger(name: str) -> logging.Logger:
    """A plugin's own logger: ``clinic.plugins.<name>`` (``clinic.api.logger``)."""
    return logging.getLogger(f"{__name__}.{name}")


def _probe_in_safe_mode(registry: PluginRegistry, available: dict, allow: list[str]) -> None:
    """Record why each allow-listed plugin would fail, so an admin can see it in safe mode."""
    for name in allow:
        ep = available.get(name)
        try:
            if ep is None:
                raise PluginLoadError(f"plugin {name!r} is not installed")
            manifest = _check_manifest(name, ep.load())
        except Exception as exc:  # noqa: BLE001 -- safe mode reports, it never raises
            registry.plugins[name] = LoadedPlugin(name, None, "", "failed", error=str(exc))
        else:
            registry.plugins[name] = LoadedPlugin(
                name, manifest, _distribution_name(ep), "not loaded (safe mode)"
            )
