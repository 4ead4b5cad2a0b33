from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("", views.home, name="home"),
    path("tours/<slug:tour_slug>/", views.tour_detail, name="tour"),
    path("tours/<slug:tour_slug>/<slug:event_slug>/", views.event_detail, name="event"),
    path("tours/<slug:tour_slug>/<slug:event_slug>/agenda.ics", views.event_calendar, name="event_calendar"),
]
