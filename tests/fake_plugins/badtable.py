"""A plugin whose table lacks its name as prefix: start-up must refuse it."""

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from clinic.api import PluginManifest, db


class Unprefixed(db.Model):
    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)


manifest = PluginManifest(
    name="badtable",
    title="Bad table",
    version="1.0",
    core_requires=">=0.1,<1",
    models="tests.fake_plugins.badtable",
)
