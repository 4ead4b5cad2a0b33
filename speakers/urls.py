from django.urls import path

from . import views

app_name = "speakers"
urlpatterns = [
    path("speaker/profile/", views.profile_edit, name="profile"),
    path("cfp/<slug:tour_slug>/", views.cfp_detail, name="cfp"),
    path("cfp/<slug:tour_slug>/submit/", views.submit, name="submit"),
    path("talks/", views.my_talks, name="my_talks"),
    path("talks/<int:pk>/", views.submission_edit, name="submission_edit"),
    path("talks/<int:pk>/withdraw/", views.submission_withdraw, name="submission_withdraw"),
    path("talks/respond/<str:token>/", views.respond, name="respond"),
    path("talks/slots/<int:pk>/slides/", views.slot_slides, name="slides"),
    path("speakers/<int:pk>/", views.speaker_detail, name="speaker"),
    path("speakers/<int:pk>/talks.ics", views.speaker_calendar, name="speaker_calendar"),
    path("review/<slug:tour_slug>/", views.review_list, name="review_list"),
    path("review/talk/<int:pk>/", views.review_detail, name="review_detail"),
]
