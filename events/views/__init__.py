from .checkin import checkin_page, checkin_scan, checkin_search, checkin_stats
from .public import event_calendar, event_detail, home, tour_detail
from .registration import cancel, change_details, my_tickets, register, ticket_pdf
from .volunteers import my_volunteering, volunteer_signup, withdraw_volunteering

__all__ = [
    "cancel",
    "change_details",
    "checkin_page",
    "checkin_scan",
    "checkin_search",
    "checkin_stats",
    "event_calendar",
    "event_detail",
    "home",
    "my_tickets",
    "register",
    "ticket_pdf",
    "tour_detail",
    "my_volunteering",
    "volunteer_signup",
    "withdraw_volunteering",
]
