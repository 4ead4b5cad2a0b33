from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.home, name="home"),
    path("tours/<slug:tour_slug>/", views.tour_detail, name="tour"),
    path("tours/<slug:tour_slug>/<slug:event_slug>/", views.event_detail, name="event"),
    path("tours/<slug:tour_slug>/<slug:event_slug>/agenda.ics", views.event_calendar, name="event_calendar"),
    path("tours/<slug:tour_slug>/<slug:event_slug>/register/", views.register, name="register"),
    path("tours/<slug:tour_slug>/<slug:event_slug>/volunteer/", views.volunteer_signup, name="volunteer_signup"),
    path("volunteering/", views.my_volunteering, name="my_volunteering"),
    path("volunteering/<int:pk>/withdraw/", views.withdraw_volunteering, name="withdraw_volunteering"),
    path("tickets/", views.my_tickets, name="my_tickets"),
    path("tickets/<int:pk>/ticket.pdf", views.ticket_pdf, name="ticket_pdf"),
    path("tickets/<int:pk>/details/", views.change_details, name="change_details"),
    path("tickets/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("checkin/<slug:tour_slug>/<slug:event_slug>/", views.checkin_page, name="checkin"),
    path("checkin/<slug:tour_slug>/<slug:event_slug>/scan", views.checkin_scan, name="checkin_scan"),
    path("checkin/<slug:tour_slug>/<slug:event_slug>/search", views.checkin_search, name="checkin_search"),
    path("checkin/<slug:tour_slug>/<slug:event_slug>/stats", views.checkin_stats, name="checkin_stats"),
]
