"""Administrator pages: wording packs and packet configuration."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import select, update
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from clinic.api import ClinicForm, choices, db, logger, record, record_and_commit, require
from plugins.intake import services
from plugins.intake.instruments import all_definitions
from plugins.intake.models import IntakePacket, IntakeWordingPack, utcnow
from plugins.intake.packets import PacketError, check_packet
from plugins.intake.views import bp
from plugins.intake.wording import (
    MAX_PACK_BYTES,
    WordingPackError,
    parse_pack,
    questionnaire_from_table,
)

TABLE_SUFFIXES = (".csv", ".tsv", ".txt")

log = logger("intake")


class PackForm(ClinicForm):
    instrument = SelectField("Questionnaire", validators=[DataRequired()])
    pack = FileField("A file: FHIR R4 Questionnaire (.json) or a table (.csv)")
    table = TextAreaField(
        "Or paste the wording as a table",
        validators=[Optional(), Length(max=MAX_PACK_BYTES)],
        description="One line per text: the item id, a comma (or a tab), then the text.",
    )
    version = StringField(
        "Version or date of your licensed text (for a table)",
        validators=[Optional(), Length(max=64)],
    )
    activate = BooleanField("Use this pack from now on", default=True)


class PacketForm(ClinicForm):
    code = StringField("Code", validators=[DataRequired(), Length(max=40)])
    title = StringField("Title", validators=[DataRequired(), Length(max=120)])
    steps = SelectMultipleField("Steps, in order")
    order = StringField("Order of steps (comma-separated codes; blank keeps the list order)")
    active = BooleanField("Offer this packet", default=True)


def pack_form() -> PackForm:
    form = PackForm()
    form.instrument.choices = choices(
        (d.id, d.title) for d in all_definitions().values() if d.requires_wording_pack
    )
    return form


def _packs_page(form, problems=(), status=200):
    packs = db.session.scalars(
        select(IntakeWordingPack).order_by(
            IntakeWordingPack.instrument_id, IntakeWordingPack.id.desc()
        )
    ).all()
    return render_template(
        "intake/admin_wording.html",
        form=form,
        packs=packs,
        problems=list(problems),
        definitions=all_definitions(),
        licensed=[d for d in all_definitions().values() if d.requires_wording_pack],
        max_kb=MAX_PACK_BYTES // 1024,
    ), status


@bp.route("/admin/wording")
@require("intake.manage")
def wording_packs():
    return _packs_page(pack_form())


@bp.route("/admin/wording", methods=["POST"])
@require("intake.manage")
def upload_pack():
    form = pack_form()
    problems: list[str] = []
    raw = b""
    table = None
    if not form.validate_on_submit():
        problems.append("Choose the questionnaire this pack is for.")
    else:
        upload = form.pack.data
        if upload is not None and getattr(upload, "filename", ""):
            raw = upload.read(MAX_PACK_BYTES + 1)
            if upload.filename.lower().endswith(TABLE_SUFFIXES):
                table = raw.decode("utf-8-sig", errors="replace")
        elif (form.table.data or "").strip():
            table = form.table.data
        else:
            problems.append("Choose a JSON or CSV file, or paste the wording as a table.")
        if table is not None and not (form.version.data or "").strip():
            problems.append("Give the version or date of your licensed text for a table.")
    parsed = None
    if not problems:
        try:
            if table is not None:
                raw = questionnaire_from_table(form.instrument.data, table, form.version.data)
            parsed = parse_pack(form.instrument.data, raw)
        except WordingPackError as exc:
            problems.extend(exc.problems or [str(exc)])
    if problems:
        record_and_commit(
            "intake.wording_refused",
            outcome="refused",
            detail={"instrument": form.instrument.data, "problems": problems[:20]},
        )
        return _packs_page(form, problems, 422)
    if form.activate.data:
        db.session.execute(
            update(IntakeWordingPack)
            .where(IntakeWordingPack.instrument_id == parsed.instrument_id)
            .values(active=False)
        )
    row = IntakeWordingPack(
        instrument_id=parsed.instrument_id,
        pack_version=parsed.version,
        title=parsed.title or "",
        json_text=raw.decode("utf-8"),
        uploaded_by_id=current_user.id,
        uploaded_at=utcnow(),
        active=bool(form.activate.data),
    )
    db.session.add(row)
    db.session.flush()
    record(
        "intake.wording_upload",
        object_type="intake_wording_pack",
        object_id=row.id,
        detail={"instrument": row.instrument_id, "version": row.pack_version, "active": row.active},
    )
    db.session.commit()
    log.info("wording pack %s loaded for %s", row.pack_version, row.instrument_id)
    flash(f"Wording pack {row.pack_version} loaded for {row.instrument_id}.", "success")
    return redirect(url_for("intake.wording_packs"))


@bp.route("/admin/wording/<int:pack_id>/activate", methods=["POST"])
@require("intake.manage")
def activate_pack(pack_id: int):
    row = db.session.get(IntakeWordingPack, pack_id) or abort(404)
    form = ClinicForm()
    if not form.validate_on_submit():
        abort(400)
    activate = not row.active
    if activate:
        db.session.execute(
            update(IntakeWordingPack)
            .where(IntakeWordingPack.instrument_id == row.instrument_id)
            .values(active=False)
        )
    row.active = activate
    record(
        "intake.wording_activate",
        object_type="intake_wording_pack",
        object_id=row.id,
        detail={"instrument": row.instrument_id, "active": activate},
    )
    db.session.commit()
    flash("Wording pack switched on." if activate else "Wording pack switched off.", "success")
    return redirect(url_for("intake.wording_packs"))


# -- packets ------------------------------------------------------------------------


def packet_form() -> PacketForm:
    form = PacketForm()
    form.steps.choices = choices((s, services.step_title(s)) for s in services.known_steps())
    return form


def _packets_page(form, status=200):
    return render_template(
        "intake/admin_packets.html",
        form=form,
        packets=services.packets(include_inactive=True),
        active={p.code for p in services.packets()},
        step_title=services.step_title,
    ), status


@bp.route("/admin/packets")
@require("intake.manage")
def packet_admin():
    return _packets_page(packet_form())


@bp.route("/admin/packets", methods=["POST"])
@require("intake.manage")
def save_packet():
    form = packet_form()
    if form.validate_on_submit():
        steps = list(form.steps.data or [])
        order = [s.strip() for s in (form.order.data or "").split(",") if s.strip()]
        if order:
            if sorted(order) != sorted(steps):
                form.order.errors.append("The order must list exactly the chosen steps.")
            steps = order
        if not form.order.errors:
            try:
                chosen = check_packet(
                    form.code.data.strip(), form.title.data, steps, services.known_steps()
                )
            except PacketError as exc:
                form.code.errors.append(str(exc))
            else:
                row = db.session.scalars(
                    select(IntakePacket).where(IntakePacket.code == chosen.code)
                ).first() or IntakePacket(code=chosen.code)
                row.title = chosen.title
                row.steps = json.dumps(list(chosen.steps))
                row.active = bool(form.active.data)
                row.updated_at = utcnow()
                db.session.add(row)
                db.session.flush()
                record(
                    "intake.packet_save",
                    object_type="intake_packet",
                    object_id=row.code,
                    detail={"steps": list(chosen.steps), "active": row.active},
                )
                db.session.commit()
                flash(f"Packet “{row.title}” saved.", "success")
                return redirect(url_for("intake.packet_admin"))
    record_and_commit(
        "intake.packet_refused", outcome="refused", detail={"errors": sorted(form.errors)}
    )
    return _packets_page(form, 422)
