"""Consent to treatment: written by the project.

The consent text is versioned with the definition: when the wording changes, bump
``CONSENT_TEXT_VERSION`` (it is the definition version), so every stored consent records exactly
which text the patient agreed to.
"""

from __future__ import annotations

from .types import InstrumentDefinition, Item

CONSENT_TEXT_VERSION = "1.0"

CONSENT_TEXT = """\
Consent to treatment

Please read this before you sign.

1. Your therapist will ask about your health and your pain, and may look at and gently touch \
the areas that hurt. This helps them choose a safe treatment.
2. Treatment may include massage, pressure on tight or tender spots, stretching, holding your \
body in a comfortable position, and hot packs. Your therapist will explain each one first.
3. You can ask questions at any time. You can ask for lighter pressure, a break, or for any part \
of the treatment to stop, at any time, and the therapist will stop.
4. Some people feel sore or tired for a day or two after treatment. Tell your therapist if \
anything hurts during treatment or if soreness lasts longer than expected.
5. Massage therapy does not diagnose or cure illness. It does not replace care from your doctor. \
Keep seeing your doctor for medical problems.
6. You agree to tell us about changes in your health, medicines, or pregnancy before each visit.
7. You may draw or cover any area you do not want touched. The therapist will keep you covered \
with a sheet except for the area being treated.
8. Your records are kept private and are shared only as the law allows or as you agree.

By ticking the box and typing your name, you confirm that you have read this, that your \
questions have been answered, and that you agree to treatment. You can withdraw your consent \
at any time.
"""

DEFINITION = InstrumentDefinition(
    id="consent",
    version=CONSENT_TEXT_VERSION,
    title="Consent to treatment",
    short_title="Consent",
    kind="consent",
    description=CONSENT_TEXT,
    items=(
        Item(
            "consent.agree",
            "I have read the consent text above and I agree to treatment.",
            "boolean",
            must_be_true=True,
            page="Consent",
        ),
        Item(
            "consent.signature",
            "Type your full name to sign",
            "signature",
            max_length=200,
            page="Consent",
            help="Typing your name here counts as your signature.",
        ),
        Item("consent.date", "Date", "date", page="Consent"),
    ),
    licence_note="Written by the project; free to use under the project licence.",
    requires_wording_pack=False,
    higher_is_worse=False,
)
