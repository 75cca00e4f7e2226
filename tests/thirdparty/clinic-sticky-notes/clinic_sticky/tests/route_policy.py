"""Who may reach each sticky-notes route.  The manifest names this module
(``route_policy=``), so the clinic's route-policy harness finds it wherever the plugin is
installed."""

from clinic.testing import LOGIN, RouteRule


def route_args(patient, users):
    # patient_id comes from the harness; this plugin's routes need nothing else.
    return {}


RULES = [
    # The administrator holds every permission.
    RouteRule("sticky.index", anon=LOGIN, front_desk=200, therapist=200, billing=403, admin=200),
    RouteRule(
        "sticky.add", "GET", anon=LOGIN, front_desk=200, therapist=403, billing=403, admin=200
    ),
    # The probe's empty POST is refused on the form (422) for those allowed to add.
    RouteRule(
        "sticky.add", "POST", anon=LOGIN, front_desk=422, therapist=403, billing=403, admin=422
    ),
]
