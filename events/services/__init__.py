"""Writes: every change to tours, teams, events and agendas goes through these functions."""

from .agenda import create_agenda_from_template
from .checkin import CheckInResult, can_check_in, check_in, search_registrations
from .csv_io import ImportFailed, RowError, export_rows, import_registrations
from .events import (
    POSTER_FIELDS,
    add_city_team_member,
    add_tour_admin,
    change_event_status,
    request_poster,
    save_event,
    user_for_email,
)
from .registrations import (
    AlreadyRegistered,
    AttendeeDetails,
    RegistrationError,
    cancel_registration,
    check_reservation,
    create_invite_codes,
    mark_paid,
    promote_after_change,
    promote_waiting_list,
    register_attendee,
    registration_figures,
    request_ticket,
    save_tier,
)

__all__ = [
    "AlreadyRegistered",
    "AttendeeDetails",
    "CheckInResult",
    "ImportFailed",
    "RowError",
    "export_rows",
    "import_registrations",
    "RegistrationError",
    "can_check_in",
    "cancel_registration",
    "check_reservation",
    "check_in",
    "create_invite_codes",
    "mark_paid",
    "promote_after_change",
    "promote_waiting_list",
    "register_attendee",
    "registration_figures",
    "request_ticket",
    "save_tier",
    "search_registrations",
    "POSTER_FIELDS",
    "add_city_team_member",
    "add_tour_admin",
    "change_event_status",
    "create_agenda_from_template",
    "request_poster",
    "save_event",
    "user_for_email",
]
