from wtforms import TextAreaField
from wtforms.validators import DataRequired

from clinic.api import ClinicForm


class NoteForm(ClinicForm):
    # The length limit is a setting, so the view checks it (see views.add).
    text = TextAreaField("Note", validators=[DataRequired(message="Write the note first.")])
