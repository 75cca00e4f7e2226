"""The part of the public plugin API that needs neither Flask nor a database.

Plugins keep their clinical rules in plain modules (no Flask import, testable
without an app); those modules import the values and vocabularies they need from
here.  Everything here is also re-exported by :mod:`clinic.api`.
"""

from __future__ import annotations

from clinic import icd10
from clinic.anatomy import BODY_REGIONS, REGIONS_BY_CODE, BodyRegion, region_label
from clinic.clock import clinic_today, utcnow
from clinic.contributions import (
    ALERT_LEVEL_ORDER,
    AuditEventType,
    AuthorizationStatus,
    BillableService,
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
)
from clinic.hookspecs import PROJECT, hookimpl, hookspec

__all__ = [
    "ALERT_LEVEL_ORDER",
    "BODY_REGIONS",
    "PROJECT",
    "REGIONS_BY_CODE",
    "AuditEventType",
    "AuthorizationStatus",
    "BillableService",
    "CarePlan",
    "BodyRegion",
    "ChartPanel",
    "HandoutSection",
    "NavItem",
    "OutcomeMeasure",
    "PatientAction",
    "PatientAlert",
    "SafetyFlag",
    "SummaryFact",
    "WorklistItem",
    "clinic_today",
    "hookimpl",
    "hookspec",
    "icd10",
    "region_label",
    "utcnow",
]
