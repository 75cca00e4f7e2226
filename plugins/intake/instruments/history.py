"""Health history and safety screen: written by the project, ships with full wording.

The questions are plain (aimed at a reading age of about 12).  They cover the red flags for back
pain, massage contraindications (absolute, local and relative), heat contraindications,
medicines, recent surgery, pregnancy, allergies to oils or lotions and pressure preference.
:mod:`plugins.intake.screening` turns the answers into findings for a clinician to review.
Item ids are a stable interface: findings and stored responses refer to them.

This file is over 400 lines on purpose: it is one table of questions in the order the patient
sees them, and splitting it would scatter that order across files.
"""

from __future__ import annotations

from clinic.api.pure import BODY_REGIONS

from .types import InstrumentDefinition, Item, Option

YES = (True,)

REGION_OPTIONS = tuple(Option(r.code, r.label) for r in BODY_REGIONS)

MEDICATION_OPTIONS = (
    Option(
        "anticoagulant",
        "Blood thinners (for example warfarin, apixaban, rivaroxaban, dabigatran, heparin "
        "injections or clopidogrel)",
    ),
    Option("steroid", "Steroid tablets or injections (for example prednisone or prednisolone)"),
    Option("painkiller", "Strong painkillers (for example codeine, tramadol or morphine)"),
    Option("anti_inflammatory", "Anti-inflammatory pain pills (for example ibuprofen, naproxen)"),
    Option("muscle_relaxant", "Muscle relaxants"),
    Option("other", "Other medicines"),
)

PRESSURE_OPTIONS = (
    Option("light", "Light"),
    Option("medium", "Medium"),
    Option("firm", "Firm"),
    Option("no_preference", "No preference, or not sure"),
)

STEROID_DURATION_OPTIONS = (
    Option("under_3_months", "Less than 3 months"),
    Option("3_months_or_more", "3 months or longer"),
)

_WARNING = "Warning signs"
_HEALTH = "Your health"
_AREAS = "Areas of your body"
_MEDS = "Medicines"
_SURGERY = "Operations and pregnancy"
_PREFS = "Allergies and preferences"


def _yes_no(item_id: str, question: str, page: str, help: str = "", **kw) -> Item:
    return Item(f"history.{item_id}", question, "boolean", page=page, help=help, **kw)


def _where(item_id: str, about: str, page: str, question: str = "") -> Item:
    """A body-map follow-up question asked only after a "yes"."""
    return Item(
        f"history.{item_id}_regions",
        (question or f"Where on your body is the {about}?") + " Choose all that apply.",
        "multichoice",
        REGION_OPTIONS,
        required=False,
        show_if=(f"history.{item_id}", YES),
        page=page,
    )


ITEMS: tuple[Item, ...] = (
    # --- Warning signs (red flags; cauda equina first) ---------------------------------------
    _yes_no(
        "saddle_numbness",
        "Do you have numbness or tingling between your legs, around your bottom or your "
        "genitals (the parts that would touch a bicycle seat)?",
        _WARNING,
    ),
    _yes_no(
        "wiping_feeling",
        "When you wipe after using the toilet, does it feel different from usual (less "
        "feeling, or numb)?",
        _WARNING,
    ),
    _yes_no(
        "bladder_change",
        "Since your back pain started, is it new for you to have trouble starting or stopping "
        "your pee, to leak pee, or to be unable to pee?",
        _WARNING,
    ),
    _yes_no(
        "bowel_control",
        "Have you lost control of your bowels (poo), or had leaking you could not stop?",
        _WARNING,
    ),
    _yes_no(
        "genital_sensation",
        "Have you noticed less feeling in your genitals, or new problems with sex that "
        "started with your back pain?",
        _WARNING,
    ),
    _yes_no(
        "both_legs",
        "Do you have pain, numbness, pins and needles or weakness in both legs?",
        _WARNING,
    ),
    _yes_no(
        "both_legs_new",
        "Is this in both legs new for you, or getting worse?",
        _WARNING,
        help="Answer no if you have had it in both legs for a long time and it has not changed.",
        show_if=("history.both_legs", YES),
    ),
    _yes_no(
        "leg_weakness",
        "Is one or both of your legs getting weaker, for example your foot drags or slaps "
        "when you walk, or your knee gives way?",
        _WARNING,
    ),
    _yes_no(
        "new_numbness",
        "Since your back pain started, have you had new numbness or pins and needles in your "
        "legs, feet or body?",
        _WARNING,
    ),
    _yes_no(
        "thoracic_pain",
        "Do you have pain in the middle or upper part of your back, around or between your "
        "shoulder blades?",
        _WARNING,
    ),
    _yes_no(
        "spinal_procedure",
        "In the last 6 weeks, have you had an injection into your back or spine, or an "
        "operation or other procedure on your spine?",
        _WARNING,
    ),
    _yes_no(
        "cancer_history",
        "Have you ever been told by a doctor that you have, or had, cancer?",
        _WARNING,
    ),
    _yes_no(
        "weight_loss",
        "Have you lost weight in the last 3 months without trying?",
        _WARNING,
    ),
    _yes_no(
        "night_pain",
        "Is your back pain worse when you lie down, or bad at night even when you keep still?",
        _WARNING,
    ),
    _yes_no(
        "not_improving",
        "Have you had this back pain for more than 4 weeks without it getting any better, "
        "even with treatment?",
        _WARNING,
    ),
    _yes_no(
        "fever",
        "Do you have a fever (38 °C / 100.4 °F or higher), or chills or sweats, now or in "
        "the last few days?",
        _WARNING,
    ),
    _yes_no(
        "recent_infection",
        "Have you had an infection in the last 6 weeks, such as a bladder or urine infection, "
        "or an infection that needed antibiotics?",
        _WARNING,
    ),
    _yes_no(
        "injected_drugs",
        "Have you ever injected drugs that a doctor did not prescribe? (Your answer is "
        "private and only used to keep you safe.)",
        _WARNING,
    ),
    _yes_no(
        "weak_immune",
        "Is your immune system weakened, for example by an organ transplant, HIV, cancer "
        "treatment or long-term steroid medicine?",
        _WARNING,
    ),
    _yes_no(
        "major_trauma",
        "Did this back pain start after a serious accident, such as a car crash or a fall "
        "from a height?",
        _WARNING,
    ),
    _yes_no(
        "minor_trauma",
        "Did this back pain start after a small fall or bump, or after lifting something heavy?",
        _WARNING,
    ),
    # --- General health (absolute and relative contraindications) ----------------------------
    _yes_no(
        "blood_clot",
        "Do you have, or has a doctor said you might have, a blood clot in a leg vein (DVT) "
        "or in your lungs?",
        _HEALTH,
    ),
    _yes_no(
        "leg_swelling",
        "Is one of your legs newly swollen, warm or painful (for example the calf), when the "
        "other leg is not?",
        _HEALTH,
    ),
    _yes_no(
        "clot_risk",
        "In the last 4 weeks, have you had an operation, spent several days in bed or hardly "
        "moving, or travelled for more than 4 hours at a time?",
        _HEALTH,
        show_if=("history.leg_swelling", YES),
    ),
    _yes_no(
        "contagious_illness",
        "Do you have a cold, flu, stomach bug or another illness you could pass on to others?",
        _HEALTH,
    ),
    _yes_no(
        "high_blood_pressure",
        "Do you have very high blood pressure that is not under control?",
        _HEALTH,
    ),
    _yes_no(
        "heart_condition",
        "Do you have a heart problem, such as heart failure or a heart condition you see a "
        "doctor about?",
        _HEALTH,
    ),
    _yes_no(
        "osteoporosis",
        "Have you been told you have thin or weak bones (osteoporosis)?",
        _HEALTH,
    ),
    _yes_no(
        "bleeding_disorder",
        "Do you bruise or bleed very easily, or have a bleeding disorder or low platelets?",
        _HEALTH,
    ),
    _yes_no(
        "diabetes",
        "Do you have diabetes?",
        _HEALTH,
    ),
    _yes_no(
        "fragile_skin",
        "Is your skin thin or fragile, so that it tears or bruises easily?",
        _HEALTH,
    ),
    _yes_no(
        "bone_cancer",
        "Has a doctor told you that cancer has spread to your bones?",
        _HEALTH,
        show_if=("history.cancer_history", YES),
    ),
    _yes_no(
        "cancer_treatment",
        "Are you having cancer treatment now, or have you had it in the last year?",
        _HEALTH,
        show_if=("history.cancer_history", YES),
    ),
    # --- Areas of the body (local and heat contraindications) --------------------------------
    _yes_no(
        "numbness",
        "Is there any part of your body where you cannot feel touch, heat or cold normally "
        "(for example numb skin, nerve damage or an old scar)?",
        _AREAS,
    ),
    _where("numbness", "reduced feeling", _AREAS),
    _yes_no(
        "poor_circulation",
        "Do you have poor blood flow (circulation) in any part of your body, for example cold, "
        "pale or painful legs or feet when you walk?",
        _AREAS,
    ),
    _where("poor_circulation", "poor blood flow", _AREAS),
    _yes_no(
        "inflammation",
        "Do you have a new injury, or an area that is swollen, hot or red (for example a "
        "sprain in the last 3 days)?",
        _AREAS,
    ),
    _where("inflammation", "new injury or swelling", _AREAS),
    _yes_no(
        "skin_problem",
        "Do you have an open cut, a wound that is still healing, a burn, a rash or a skin "
        "infection?",
        _AREAS,
    ),
    _where("skin_problem", "skin problem", _AREAS),
    _yes_no(
        "lump",
        "Do you have a lump or swelling that a doctor has not checked, or a tumour?",
        _AREAS,
    ),
    _where("lump", "lump, swelling or tumour", _AREAS),
    _yes_no(
        "radiation",
        "Have you had radiation treatment (radiotherapy) in the last year?",
        _AREAS,
    ),
    _where("radiation", "", _AREAS, "Which parts of your body had radiation treatment?"),
    _yes_no(
        "healing_fracture",
        "Do you have a broken bone that is still healing?",
        _AREAS,
    ),
    _where("healing_fracture", "broken bone", _AREAS),
    _yes_no(
        "varicose_veins",
        "Do you have varicose veins (veins that bulge or twist under the skin)?",
        _AREAS,
    ),
    _where("varicose_veins", "varicose veins", _AREAS),
    _yes_no(
        "sore_vein",
        "Is there a vein anywhere on your body that is swollen, hard, red or sore to touch?",
        _AREAS,
    ),
    _where("sore_vein", "sore or swollen vein", _AREAS),
    _yes_no(
        "aneurysm",
        "Has a doctor told you that you have an aneurysm (a blood vessel with a weak, bulging "
        "wall)?",
        _AREAS,
    ),
    _where("aneurysm", "aneurysm", _AREAS),
    _yes_no(
        "aneurysm_new_pain",
        "Is your back pain or tummy pain new, or different from the pain you usually have?",
        _AREAS,
        show_if=("history.aneurysm", YES),
    ),
    # --- Medicines ------------------------------------------------------------------------
    Item(
        "history.medications",
        "Do you take any of these medicines? Choose all that apply. Leave blank if none.",
        "multichoice",
        MEDICATION_OPTIONS,
        required=False,
        page=_MEDS,
    ),
    Item(
        "history.steroid_duration",
        "How long have you been taking steroid medicine?",
        "choice",
        STEROID_DURATION_OPTIONS,
        required=False,
        show_if=("history.medications", ("steroid",)),
        page=_MEDS,
    ),
    Item(
        "history.medication_list",
        "Please list all the medicines you take, including the dose if you know it.",
        "text",
        required=False,
        max_length=2000,
        page=_MEDS,
    ),
    # --- Operations and pregnancy ---------------------------------------------------------
    _yes_no("recent_surgery", "Have you had an operation in the last 3 months?", _SURGERY),
    Item(
        "history.surgery_weeks",
        "How many weeks ago was your operation?",
        "integer",
        min=0,
        # The question asks about the last 3 months, so at most 13 weeks (clinical-rules.md).
        max=13,
        required=False,
        show_if=("history.recent_surgery", YES),
        page=_SURGERY,
    ),
    _where("recent_surgery", "", _SURGERY, "Where on your body was the operation?"),
    Item(
        "history.surgery_details",
        "What was the operation for?",
        "text",
        max_length=500,
        required=False,
        show_if=("history.recent_surgery", YES),
        page=_SURGERY,
    ),
    _yes_no(
        "pregnant",
        "Are you pregnant, or could you be pregnant?",
        _SURGERY,
        help="Massage in pregnancy is usually fine; we may change your position or ask your "
        "midwife or doctor first.",
    ),
    Item(
        "history.pregnancy_weeks",
        "How many weeks pregnant are you? Leave blank if you do not know.",
        "integer",
        min=0,
        max=45,
        required=False,
        show_if=("history.pregnant", YES),
        page=_SURGERY,
    ),
    _yes_no(
        "pregnancy_complications",
        "Has your midwife or doctor said your pregnancy is high-risk, or have you had "
        "bleeding, high blood pressure or other problems in this pregnancy?",
        _SURGERY,
        show_if=("history.pregnant", YES),
    ),
    # --- Allergies and preferences --------------------------------------------------------
    _yes_no(
        "oil_allergy",
        "Are you allergic or sensitive to any oils, lotions, creams, nuts or scents?",
        _PREFS,
    ),
    Item(
        "history.oil_allergy_details",
        "What are you allergic or sensitive to?",
        "text",
        max_length=500,
        required=False,
        show_if=("history.oil_allergy", YES),
        page=_PREFS,
    ),
    Item(
        "history.pressure_preference",
        "What pressure do you usually like during a massage?",
        "choice",
        PRESSURE_OPTIONS,
        required=False,
        page=_PREFS,
        help="You can change your mind at any time during treatment.",
    ),
    Item(
        "history.comfort_notes",
        "Are there any parts of your body you do not want touched, or anything else that would "
        "help you feel safe and comfortable during treatment?",
        "text",
        max_length=1000,
        required=False,
        page=_PREFS,
    ),
    Item(
        "history.other_conditions",
        "Is there anything else about your health you would like us to know?",
        "text",
        max_length=2000,
        required=False,
        page=_PREFS,
    ),
)

DEFINITION = InstrumentDefinition(
    id="history",
    # 1.1: DVT, sore-vein, thoracic-pain, spinal-procedure and "new or worse" follow-up
    # questions (docs/clinical-rules.md); answers to 1.0 are never mixed with 1.1.
    version="1.1",
    title="Health history and safety screen",
    short_title="Health history",
    kind="screen",
    items=ITEMS,
    licence_note="Written by the project; free to use under the project licence.",
    requires_wording_pack=False,
    higher_is_worse=False,
    description=(
        "These questions help us keep your treatment safe. Answer as well as you can. If you "
        "are not sure, answer yes and your therapist will talk it through with you."
    ),
    missing_rule=(
        "Every yes/no question that is asked must be answered (including the yes/no follow-ups "
        "that decide whether a sign is an emergency); the other follow-up questions are "
        "optional."
    ),
)
