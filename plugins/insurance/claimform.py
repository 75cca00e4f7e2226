"""A claim laid out by CMS-1500 (02/12) item numbers, for CSV and JSON export.

Only what the clinic knows is filled in; items the biller completes on the payer's
portal (signatures on file, referring provider) are left blank, never guessed.
"""

from __future__ import annotations

from plugins.insurance.coding import POINTER_LETTERS

ICD10_INDICATOR = "0"  # item 21: 0 = ICD-10-CM


def header_items(
    claim, patient, clinic: dict[str, str], tax_id: str, profile=None
) -> dict[str, str]:
    policy = claim.policy
    diagnoses = {f"21{POINTER_LETTERS[i]}": code for i, code in enumerate(claim.diagnoses[:12])}
    return {
        "1a": policy.member_id if policy else "",
        "2": f"{patient.last_name}, {patient.first_name}",
        "3": patient.date_of_birth.isoformat(),
        "4": policy.subscriber_name if policy else "",
        "6": policy.relationship_to_subscriber if policy else "",
        "11": policy.group_number if policy else "",
        "11c": claim.payer.name if claim.payer else "Self-pay",
        "21_indicator": ICD10_INDICATOR,
        **diagnoses,
        "23": claim.authorization_number,
        "25": tax_id,
        "26": str(patient.id),
        "28": f"{claim.total_charge:.2f}",
        "29": f"{claim.amount_paid:.2f}",
        "31": _signer(claim, profile),
        "32": clinic.get("address", ""),
        "33": clinic.get("name", ""),
        "33a": clinic.get("npi", ""),
    }


def _signer(claim, profile) -> str:
    if claim.provider is None:
        return ""
    credentials = f", {profile.credentials}" if profile and profile.credentials else ""
    return f"{claim.provider.display_name}{credentials}"


def line_items(claim, profile=None) -> list[dict[str, str]]:
    return [
        {
            "24A": claim.service_date.isoformat(),
            "24B": claim.place_of_service,
            "24D": line.cpt_code,
            "24D_modifiers": " ".join(line.modifiers),
            "24E": line.pointers,
            "24F": f"{line.charge:.2f}",
            "24G": str(line.units),
            "24J": profile.npi if profile else "",
            "note": line.note,
        }
        for line in claim.lines
    ]
