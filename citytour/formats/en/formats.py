# English pages keep the 24-hour clock that the rest of the site (agendas, tickets, the door) and Chinese readers
# use: "Dec. 20, 2026, 13:30", not "1:30 p.m.".
DATETIME_FORMAT = "N j, Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
