"""Controlled vocabularies for session entries.

Codes are stored in the database and in signed notes, so they are a stable
interface: add new ones, never rename or remove old ones.  Labels are ours.
"""

from __future__ import annotations

SIDES: tuple[tuple[str, str], ...] = (
    ("left", "Left"),
    ("right", "Right"),
    ("bilateral", "Both sides"),
)

# Muscles a massage therapist in a back-pain clinic works on: the lumbar and thoracic
# back, the hip and the pelvis.  Grouped by area for readability of long lists.
MUSCLES: tuple[tuple[str, str], ...] = (
    # Back
    ("quadratus_lumborum", "Quadratus lumborum"),
    ("iliocostalis_lumborum", "Iliocostalis lumborum"),
    ("iliocostalis_thoracis", "Iliocostalis thoracis"),
    ("longissimus_thoracis", "Longissimus thoracis"),
    ("spinalis_thoracis", "Spinalis thoracis"),
    ("multifidus", "Multifidus"),
    ("rotatores", "Rotatores"),
    ("latissimus_dorsi", "Latissimus dorsi"),
    ("serratus_posterior_inferior", "Serratus posterior inferior"),
    ("trapezius_lower", "Trapezius, lower fibres"),
    ("trapezius_middle", "Trapezius, middle fibres"),
    ("rhomboids", "Rhomboids"),
    ("thoracolumbar_fascia", "Thoracolumbar fascia"),
    # Hip
    ("psoas_major", "Psoas major"),
    ("iliacus", "Iliacus"),
    ("gluteus_maximus", "Gluteus maximus"),
    ("gluteus_medius", "Gluteus medius"),
    ("gluteus_minimus", "Gluteus minimus"),
    ("piriformis", "Piriformis"),
    ("gemelli", "Gemelli (superior and inferior)"),
    ("obturator_internus", "Obturator internus"),
    ("quadratus_femoris", "Quadratus femoris"),
    ("tensor_fasciae_latae", "Tensor fasciae latae"),
    ("rectus_femoris", "Rectus femoris"),
    ("adductor_longus", "Adductor longus"),
    ("adductor_magnus", "Adductor magnus"),
    ("hamstrings", "Hamstrings"),
    # Pelvis and abdominal wall
    ("rectus_abdominis", "Rectus abdominis"),
    ("external_oblique", "External oblique"),
    ("internal_oblique", "Internal oblique"),
)

# Counterstrain tender points of the lumbar spine, sacrum and pelvis, named by where a
# therapist finds them.  The codes follow the usual shorthand (AL1 = anterior first
# lumbar point, PL1 = posterior first lumbar point).
TENDER_POINTS: tuple[tuple[str, str], ...] = (
    ("al1", "Anterior first lumbar (AL1), beside the anterior superior iliac spine"),
    ("al2", "Anterior second lumbar (AL2), inside the anterior inferior iliac spine"),
    ("al3", "Anterior third lumbar (AL3), lateral to the anterior inferior iliac spine"),
    ("al4", "Anterior fourth lumbar (AL4), below the anterior inferior iliac spine"),
    ("al5", "Anterior fifth lumbar (AL5), on the pubic ramus beside the symphysis"),
    ("pl1", "Posterior first lumbar (PL1), at the spinous or transverse process"),
    ("pl2", "Posterior second lumbar (PL2), at the spinous or transverse process"),
    ("pl3", "Posterior third lumbar (PL3), at the spinous or transverse process"),
    ("pl4", "Posterior fourth lumbar (PL4), at the spinous or transverse process"),
    ("pl5", "Posterior fifth lumbar (PL5), at the spinous or transverse process"),
    (
        "upper_pole_l5",
        "Upper pole of fifth lumbar, at the top of the posterior superior iliac spine",
    ),
    ("lower_pole_l5", "Lower pole of fifth lumbar, below the posterior superior iliac spine"),
    ("quadratus_lumborum", "Quadratus lumborum, along the iliac crest and lower ribs"),
    ("iliacus", "Iliacus, in the iliac fossa inside the pelvic rim"),
    ("psoas", "Psoas, deep to the abdominal wall beside the navel"),
    ("inguinal_ligament", "Inguinal ligament, at the pubic tubercle"),
    ("high_ilium_sacroiliac", "High ilium sacroiliac, above the posterior superior iliac spine"),
    ("high_ilium_flare_out", "High ilium flare-out, along the upper iliac crest"),
    ("gluteus_medius", "Gluteus medius, below the iliac crest"),
    ("piriformis", "Piriformis, midway between sacrum and greater trochanter"),
    ("posterolateral_trochanter", "Posterolateral trochanter, behind the greater trochanter"),
    ("lateral_trochanter", "Lateral trochanter, on the side of the thigh below the hip"),
    ("sacral_midline", "Sacral midline points, along the median sacral crest"),
    ("coccyx", "Coccyx, at the tip and sides of the tailbone"),
)

TRIGGER_POINT_STATES: tuple[tuple[str, str], ...] = (
    ("active", "Active (reproduces the patient's pain)"),
    ("latent", "Latent (tender, not the familiar pain)"),
    ("none", "No trigger point found"),
)

FLEXION_EXTENSION: tuple[tuple[str, str], ...] = (
    ("flexion", "Flexion"),
    ("extension", "Extension"),
    ("neutral", "Neutral"),
)

SIDE_BENDING: tuple[tuple[str, str], ...] = (
    ("left", "Side-bent to the left"),
    ("right", "Side-bent to the right"),
    ("none", "No side-bending"),
)

ROTATION: tuple[tuple[str, str], ...] = (
    ("left", "Rotated to the left"),
    ("right", "Rotated to the right"),
    ("none", "No rotation"),
)

TENDERNESS_SCALES: tuple[tuple[str, str], ...] = (
    ("rating", "Patient rating 0-10"),
    ("baseline_10", "Baseline set to 10, later rated against it"),
)

SKIN_RESPONSES: tuple[tuple[str, str], ...] = (
    ("normal_redness", "Normal even redness"),
    ("persistent_redness", "Redness that does not fade"),
    ("mottling", "Mottling (blotchy red and pale patches)"),
    ("blister", "Blister"),
)


def label_for(choices: tuple[tuple[str, str], ...], code: str) -> str:
    """The label of ``code`` in a (code, label) vocabulary, or the code itself."""
    for value, label in choices:
        if value == code:
            return label
    return code
