"""The ceiling: a bare Flask app whose one route returns a constant string.

Served by the same gunicorn, with the same workers, on the same machine and in the
same run as the clinic, so a ratio against it cancels out how busy the machine is.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def constant():
    return "ok"
