"""Writes: every change to tours, teams, events and agendas goes through these functions."""

from .agenda import create_agenda_from_template
from .events import (
    POSTER_FIELDS,
    add_city_team_member,
    add_tour_admin,
    change_event_status,
    request_poster,
    save_event,
    user_for_email,
)

__all__ = [
    "POSTER_FIELDS",
    "add_city_team_member",
    "add_tour_admin",
    "change_event_status",
    "create_agenda_from_template",
    "request_poster",
    "save_event",
    "user_for_email",
]
