"""Typed, frozen values that plugins hand to the core through hooks.

Each carries the permission a user needs to see it; the registry filters them per
user before anything is rendered, so a panel's ``render`` is never even called for
someone who may not see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

AlertLevel = Literal["emergency", "danger", "warning", "info"]
ALERT_LEVEL_ORDER = {"emergency": 0, "danger": 1, "warning": 2, "info": 3}


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation.

    ``count``, when given, is called on every page that shows the link (only for users
    who hold ``permission``); a result above zero is drawn as a badge beside the label,
    e.g. the number of findings waiting for review.  ``count_label`` says what the number
    counts, for screen readers ("waiting for review").  Keep the callable cheap: one
    COUNT query.
    """

    label: str
    endpoint: str
    permission: str
    order: int = 100
    count: Callable[[], int] | None = None
    count_label: str = ""

    def badge(self) -> int:
        """The badge number for this request (0 = no badge)."""
        if self.count is None:
            return 0
        return max(int(self.count() or 0), 0)


@dataclass(frozen=True)
class ChartPanel:
    """A section of the patient chart.  ``render()`` returns HTML (use render_template)."""

    id: str
    title: str
    permission: str
    render: Callable[[], str]
    order: int = 100


@dataclass(frozen=True)
class PatientAlert:
    """A banner shown wherever the patient is shown (chart, lists, tablet excluded).

    The chart draws a compact summary: counts by level, one line per alert with its
    detail on demand, emergencies always expanded.  ``resolved`` alerts (e.g. reviewed
    by a clinician) leave the summary for a quiet, collapsed "Reviewed" list and are
    left out of search results.
    """

    level: AlertLevel
    title: str
    detail: str
    permission: str
    source: str
    action: str = ""
    link_endpoint: str | None = None
    link_values: dict[str, Any] = field(default_factory=dict)
    resolved: bool = False


@dataclass(frozen=True)
class WorklistItem:
    """One row of a work list on a staff member's start page ("what needs me now").

    Rows with the same ``section`` are shown together under that heading; sections are
    ordered by ``section_order`` (lowest first), rows within a section by ``level``
    (emergencies first) and then newest ``when`` first.  ``title`` is usually the
    patient's name, ``detail`` says in a few words what is waiting, and
    ``link_endpoint``/``link_values`` open the page where it is done.  ``permission``
    is what a user needs to see the row at all: a row someone may not see is dropped
    before the page is drawn, so keep clinical detail in rows only clinicians can see.
    ``when`` is a stored timestamp (naive UTC; shown in the clinic's time) or, for
    something that has a day but no time (a session date), a plain :class:`datetime.date`.
    """

    section: str
    title: str
    detail: str
    permission: str
    link_endpoint: str
    link_values: dict[str, Any] = field(default_factory=dict)
    level: AlertLevel = "info"
    when: dt.datetime | dt.date | None = None
    section_order: int = 100


@dataclass(frozen=True)
class PatientAction:
    """A link one plugin offers on another plugin's page about a patient, e.g. "Print
    handouts" on a signed session note.  The page draws the actions the user may see
    (``permission``) as buttons; ``hint`` is a short line said beside them.
    """

    label: str
    link_endpoint: str
    permission: str
    link_values: dict[str, Any] = field(default_factory=dict)
    hint: str = ""
    order: int = 100


@dataclass(frozen=True)
class SummaryFact:
    """A short labelled fact in the chart header, e.g. ``("Intake", "complete")``."""

    label: str
    value: str
    permission: str
    order: int = 100


@dataclass(frozen=True)
class HandoutSection:
    """A block of patient-facing aftercare text a handout can include."""

    id: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class BillableService:
    """One thing done for a patient that a billing plugin may turn into claim lines.

    The source plugin knows nothing about CPT: ``service`` is its own key (e.g.
    ``"treatment.nmt"``), ``minutes`` the direct one-on-one time, ``timed`` whether the
    minutes matter.
    """

    source: str
    source_id: str
    patient_id: int
    service_date: dt.date
    service: str
    description: str
    minutes: int | None
    timed: bool
    provider_id: int | None = None
    signed: bool = False


@dataclass(frozen=True)
class AuditEventType:
    name: str
    description: str


@dataclass(frozen=True)
class SafetyFlag:
    """A clinical safety finding about a patient (e.g. from an intake screen).

    ``kind`` is one of ``red_flag``, ``absolute``, ``local``, ``relative``, ``heat``,
    ``heat_check`` (heat only after a documented sensation test), ``pressure``,
    ``precaution``.  ``regions`` holds body-region codes from :mod:`clinic.anatomy`
    the finding applies to (empty = whole body).  ``reviewed`` is True once a clinician
    has reviewed the finding (and, for an emergency, recorded the action taken);
    ``cleared`` once a clinician has cleared this one finding with a reason (an
    emergency is never cleared, only reviewed).  ``finding_id`` identifies the finding
    in its source plugin, and ``link_endpoint``/``link_values`` point at the page where
    a clinician reviews or clears it.  ``title`` is the finding's short name as the
    chart shows it (e.g. "EMERGENCY: possible cauda equina signs"); other plugins quote
    it so a clinician recognises the same finding everywhere (empty: use ``message``).
    """

    code: str
    kind: str
    message: str
    advice: str
    regions: tuple[str, ...] = ()
    emergency: bool = False
    reviewed: bool = False
    cleared: bool = False
    source: str = ""
    finding_id: str = ""
    link_endpoint: str | None = None
    link_values: dict[str, Any] = field(default_factory=dict)
    title: str = ""

    @property
    def resolved(self) -> bool:
        return self.reviewed or self.cleared

    @property
    def blocks_treatment(self) -> bool:
        """True while this finding must stop a session note from being signed.

        An emergency or red flag blocks until reviewed; an absolute contraindication
        until cleared.  Other kinds restrict what is done, not whether to treat.
        """
        if self.emergency or self.kind == "red_flag":
            return not self.reviewed
        if self.kind == "absolute":
            return not self.cleared
        return False


@dataclass(frozen=True)
class OutcomeMeasure:
    """One scored measurement, e.g. an ODI of 42.0 % on a date."""

    instrument: str
    label: str
    taken_on: dt.date
    value: float
    unit: str = ""
    band: str | None = None


@dataclass(frozen=True)
class AuthorizationStatus:
    """What a payer has authorised for a patient, as a coverage plugin knows it."""

    visits_authorized: int | None
    visits_used: int | None = None
    valid_until: dt.date | None = None
    payer: str = ""


@dataclass(frozen=True)
class CarePlan:
    """A plan of care in force for a patient, as the plugin that keeps plans knows it.

    ``diagnoses`` are ICD-10-CM codes in the plan's order (a claim's item 21);
    ``therapy`` is True for a therapy plan of care (a biller adds the GP modifier);
    ``goals`` are short readable lines, ``problems`` the plan's functional limits.
    """

    source: str
    plan_id: str
    diagnoses: tuple[str, ...]
    start: dt.date
    end: dt.date | None = None
    therapy: bool = True
    goals: tuple[str, ...] = ()
    problems: str = ""
    link_endpoint: str | None = None
    link_values: dict[str, Any] = field(default_factory=dict)
