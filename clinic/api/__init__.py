"""The public plugin API: the one module a plugin imports from ``clinic``.

Everything a plugin may rely on is named here and listed in ``__all__``
(:mod:`clinic.api.pure` holds the part that needs no Flask, for plain rule
modules); the rest of the ``clinic`` package is private and may change in any release.  A meta-test
(``tests/test_plugin_api.py``) fails when a plugin — bundled or the third-party
example — imports anything else from ``clinic`` (tests may also use
``clinic.testing``).  ``docs/plugins.md`` is the guide.

Groups:

* database: ``db`` (Flask-SQLAlchemy; models subclass ``db.Model``), ``User`` and
  ``Patient`` (for foreign keys and reading only), the append-only DDL helpers;
* access: ``Permission``, the role names, ``require``/``public``/``signed_in``,
  ``user_can``;
* audit: ``record``, ``record_and_commit``, ``AuditEvent`` (reading only), and for
  refusals anyone on the internet can cause (bad codes and links) ``record_refusal``
  and ``record_refusal_and_commit``, which count every attempt but log a bounded number;
* patients: ``patient_or_404``, ``patient_record_or_404``;
* plugin platform: ``PluginManifest``, ``hookimpl``/``hookspec``, ``collect`` (ask
  a hook), ``setting``, ``logger``, the contribution dataclasses;
* per-request answers: ``per_request(name, key, compute)`` keeps ``compute()``'s answer
  for the rest of the request, forgotten on any database write (``peek`` looks without
  computing) -- for reads several panels or hooks repeat on one page;
* output: ``render_pdf``, ``pdf_response``, ``PdfError``/``PdfTimeout``, and for callers
  that cache or batch: ``render_pdf_html`` (final HTML), ``render_html`` (HTML to PDF,
  with ``pdf_options``), ``render_many`` (several on worker processes), ``join_pdfs``,
  ``pdf_bytes_response``, ``asset_roots``,
  ``line_chart_svg``, ``clinic_details``, ``csv_cell`` (formula-safe CSV cells);
* forms: ``ClinicForm``, ``choices``, ``take_draft``;
* sessions: ``end_current_staff_session``; ``verify_staff_password(user, password,
  purpose)`` → ``PasswordCheck`` re-checks a password (e.g. to sign), rate-limited and
  audited like sign-in;
* time: ``utcnow``; ``clinic_today()``, the clinic's calendar day (never ``date.today()``
  or the UTC date, which are tomorrow on a US clinic's evening), and
  ``clinic_day_start(day)``, the stored UTC instant that day begins; ``local_time(value,
  fmt)`` (also the Jinja filter ``local_time``), ``to_local`` and ``clinic_zone`` show
  stored naive-UTC times in the clinic's zone (``CLINIC_TIME_ZONE``, default
  ``America/New_York``);
* anatomy: ``BODY_REGIONS``, ``REGIONS_BY_CODE``, ``region_label``;
* coding: ``icd10`` (``lookup``, ``search``, ``validate_codes`` over the bundled
  ICD-10-CM file).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from clinic.api.pure import (
    ALERT_LEVEL_ORDER,
    BODY_REGIONS,
    PROJECT,
    REGIONS_BY_CODE,
    AuditEventType,
    AuthorizationStatus,
    BillableService,
    BodyRegion,
    CarePlan,
    ChartPanel,
    HandoutSection,
    NavItem,
    OutcomeMeasure,
    PatientAction,
    PatientAlert,
    SafetyFlag,
    SummaryFact,
    WorklistItem,
    clinic_today,
    hookimpl,
    hookspec,
    icd10,
    region_label,
    utcnow,
)
from clinic.api.pure import __all__ as pure_names

if TYPE_CHECKING:
    from clinic.api.web import (
        ADMIN,
        BILLING,
        FRONT_DESK,
        ROLES,
        THERAPIST,
        AuditEvent,
        ClinicForm,
        PasswordCheck,
        Patient,
        PdfError,
        PdfTimeout,
        Permission,
        PluginManifest,
        User,
        append_only_ddl,
        asset_roots,
        choices,
        clinic_day_start,
        clinic_details,
        clinic_zone,
        collect,
        csv_cell,
        db,
        drop_append_only_ddl,
        end_current_staff_session,
        join_pdfs,
        line_chart_svg,
        local_time,
        logger,
        patient_or_404,
        patient_record_or_404,
        pdf_bytes_response,
        pdf_response,
        peek,
        per_request,
        public,
        record,
        record_and_commit,
        record_refusal,
        record_refusal_and_commit,
        render_html,
        render_many,
        render_pdf,
        render_pdf_html,
        require,
        run_after_create,
        safe_next,
        setting,
        signed_in,
        take_draft,
        to_local,
        user_can,
        verify_staff_password,
    )

_PURE = frozenset(pure_names)

__all__ = [
    "ADMIN",
    "ALERT_LEVEL_ORDER",
    "BILLING",
    "BODY_REGIONS",
    "FRONT_DESK",
    "PROJECT",
    "REGIONS_BY_CODE",
    "ROLES",
    "THERAPIST",
    "AuditEvent",
    "AuditEventType",
    "AuthorizationStatus",
    "BillableService",
    "CarePlan",
    "BodyRegion",
    "ChartPanel",
    "ClinicForm",
    "HandoutSection",
    "NavItem",
    "OutcomeMeasure",
    "Patient",
    "PatientAction",
    "PatientAlert",
    "PasswordCheck",
    "PdfError",
    "PdfTimeout",
    "Permission",
    "PluginManifest",
    "SafetyFlag",
    "SummaryFact",
    "User",
    "WorklistItem",
    "append_only_ddl",
    "asset_roots",
    "choices",
    "clinic_day_start",
    "clinic_details",
    "clinic_today",
    "clinic_zone",
    "collect",
    "csv_cell",
    "db",
    "drop_append_only_ddl",
    "end_current_staff_session",
    "hookimpl",
    "hookspec",
    "icd10",
    "join_pdfs",
    "line_chart_svg",
    "local_time",
    "logger",
    "patient_or_404",
    "patient_record_or_404",
    "pdf_bytes_response",
    "pdf_response",
    "peek",
    "per_request",
    "public",
    "record",
    "record_and_commit",
    "record_refusal",
    "record_refusal_and_commit",
    "region_label",
    "render_html",
    "render_many",
    "render_pdf",
    "render_pdf_html",
    "require",
    "run_after_create",
    "safe_next",
    "setting",
    "signed_in",
    "take_draft",
    "to_local",
    "user_can",
    "utcnow",
    "verify_staff_password",
]


def __getattr__(name: str) -> Any:
    # The Flask-bound names load on first use, so ``clinic.api.pure`` stays Flask-free.
    if name in __all__ and name not in _PURE:
        value = getattr(import_module("clinic.api.web"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'clinic.api' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
