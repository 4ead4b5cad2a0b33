"""Volunteers: sign-up, the organizers' decision, shifts without overlaps, the check-in role and attendance."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from events import emails, services
from events.models import (
    CheckInStaff,
    EventStatus,
    Shift,
    ShiftAssignment,
    ShiftAttendance,
    VolunteerApplication,
    VolunteerRole,
    VolunteerStatus,
)
from events.services import VolunteerDetails
from tests.factories import (
    CityTeamMemberFactory,
    EventFactory,
    ShiftFactory,
    TicketTierFactory,
    UserFactory,
    VolunteerFactory,
    attendee,
    upcoming,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def event():
    start = upcoming(days=14)
    return EventFactory(
        start=start, end=start + dt.timedelta(hours=4), title="城市开源行·杭州站", title_en="City tour · Hangzhou"
    )


@pytest.fixture
def organizer(event):
    return CityTeamMemberFactory(tour=event.tour, city=event.city).user


def details(**overrides) -> VolunteerDetails:
    values = {
        "name": "林小青",
        "roles": [VolunteerRole.CHECK_IN, VolunteerRole.PHOTOGRAPHY],
        "availability": "全天",
        "wechat": "lin_xq",
        "experience": "去年在深圳站做过签到",
    }
    return VolunteerDetails(**{**values, **overrides})


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def refused(code: str | None, call) -> ValidationError:
    """The call raises a ValidationError with this code (None: one with errors per field)."""
    with pytest.raises(ValidationError) as caught:
        call()
    assert getattr(caught.value, "code", None) == code, caught.value.messages
    return caught.value


# --- Sign-up -------------------------------------------------------------------------------------------------


def test_sign_up_then_approval_then_a_shift_shows_on_my_volunteering(
    event, organizer, django_capture_on_commit_callbacks
):
    person = UserFactory(email="lin@example.org")
    response = client_for(person, "zh-hans").post(
        reverse("events:volunteer_signup", args=[event.tour.slug, event.slug]),
        {
            "name": "林小青",
            "roles": ["check_in", "photography"],
            "availability": "全天",
            "wechat": "lin_xq",
            "experience": "去年做过签到",
        },
    )
    assert response.status_code == 302 and response.url == reverse("events:my_volunteering")
    application = VolunteerApplication.objects.get(event=event, user=person)
    assert (application.status, application.roles, application.language) == (
        VolunteerStatus.PENDING,
        ["check_in", "photography"],
        "zh-hans",
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.decide_volunteer(application=application, approve=True, by=organizer)
    application.refresh_from_db()
    assert application.status == VolunteerStatus.APPROVED and application.decided_by == organizer
    [message] = mail.outbox
    assert message.to == ["lin@example.org"]
    assert message.subject == "您已成为城市开源行·杭州站的志愿者"
    assert reverse("events:my_volunteering") in message.body

    shift = ShiftFactory(event=event, role=VolunteerRole.PHOTOGRAPHY, start=event.start, end=event.end)
    services.assign_shift(shift=shift, application=application, by=organizer)
    page = client_for(person).get(reverse("events:my_volunteering")).content.decode()
    local = timezone.localtime(event.start)
    assert "Photography" in page and f"{local:%Y-%m-%d %H:%M}" in page and "Approved" in page
    assert "you offered: Check-in, Photography" in " ".join(page.split())
    page = client_for(person, "zh-hans").get(reverse("events:my_volunteering")).content.decode()
    assert "签到、拍照" in page


def test_deciding_the_same_twice_sends_one_email_and_a_decline_is_told_too(
    event, organizer, django_capture_on_commit_callbacks
):
    application = services.sign_up_volunteer(event=event, user=UserFactory(), details=details(language="en"))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.decide_volunteer(application=application, approve=False, by=organizer)
    [message] = mail.outbox
    assert message.subject == "Your offer to volunteer at City tour · Hangzhou"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"roles": []}, "no_role"),
        ({"roles": ["juggling"]}, "no_role"),
        ({"wechat": "", "phone": " "}, "contact"),
    ],
)
def test_a_sign_up_without_a_role_or_a_way_to_reach_them_is_refused(event, change, code):
    refused(code, lambda: services.sign_up_volunteer(event=event, user=UserFactory(), details=details(**change)))
    assert not VolunteerApplication.objects.exists()


def test_a_second_sign_up_and_a_sign_up_for_a_past_or_draft_event_are_refused(event):
    person = UserFactory()
    services.sign_up_volunteer(event=event, user=person, details=details())
    refused("duplicate", lambda: services.sign_up_volunteer(event=event, user=person, details=details()))
    past = EventFactory()  # 2024
    refused("closed", lambda: services.sign_up_volunteer(event=past, user=person, details=details()))
    draft = EventFactory(status=EventStatus.DRAFT, start=upcoming(20), end=upcoming(20, hour=17))
    refused("closed", lambda: services.sign_up_volunteer(event=draft, user=person, details=details()))
    assert VolunteerApplication.objects.count() == 1


def test_the_form_shows_a_translated_error_and_keeps_what_was_typed(event):
    response = client_for(UserFactory(), "zh-hans").post(
        reverse("events:volunteer_signup", args=[event.tour.slug, event.slug]),
        {"name": "林小青", "roles": ["host"], "availability": "下午", "experience": "主持过沙龙"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请留下手机号或微信号，方便组织者联系您。" in page and "主持过沙龙" in page
    assert not VolunteerApplication.objects.exists()


def test_a_made_up_phone_is_refused_as_such_and_a_real_one_kept_in_one_spelling(event):
    person = UserFactory()
    url = reverse("events:volunteer_signup", args=[event.tour.slug, event.slug])
    data = {"name": "林小青", "roles": ["host"], "availability": "下午"}
    page = client_for(person, "zh-hans").post(url, {**data, "phone": "110"}).content.decode()
    assert "请填写电话号码：手机号如 138 0013 8000" in page and "请留下手机号或微信号" not in page
    assert not VolunteerApplication.objects.exists()
    assert client_for(person).post(url, {**data, "phone": "139 1234 5678"}).status_code == 302
    assert VolunteerApplication.objects.get(user=person).phone == "13912345678"


def test_signing_up_twice_through_the_page_leads_to_my_volunteering(event):
    person = UserFactory()
    services.sign_up_volunteer(event=event, user=person, details=details())
    response = client_for(person).get(reverse("events:volunteer_signup", args=[event.tour.slug, event.slug]))
    assert response.status_code == 302 and response.url == reverse("events:my_volunteering")


# --- Shifts --------------------------------------------------------------------------------------------------


def test_overlapping_shifts_are_refused_at_the_same_event_and_across_events(event, organizer):
    volunteer = VolunteerFactory(event=event)
    morning = ShiftFactory(
        event=event, role=VolunteerRole.VENUE_SETUP, start=event.start, end=event.start + dt.timedelta(hours=2)
    )
    overlapping = ShiftFactory(
        event=event, role=VolunteerRole.CHECK_IN, start=event.start + dt.timedelta(hours=1), end=event.end
    )
    afterwards = ShiftFactory(
        event=event, role=VolunteerRole.MIC_RUNNER, start=event.start + dt.timedelta(hours=2), end=event.end
    )
    services.assign_shift(shift=morning, application=volunteer, by=organizer)
    error = refused("overlap", lambda: services.assign_shift(shift=overlapping, application=volunteer, by=organizer))
    assert "Venue setup" in error.messages[0] or "场地布置" in error.messages[0]
    services.assign_shift(shift=afterwards, application=volunteer, by=organizer)  # touching is not overlapping

    other = EventFactory(tour=event.tour, start=event.start, end=event.end)
    elsewhere = VolunteerFactory(event=other, user=volunteer.user)
    other_shift = ShiftFactory(event=other, start=event.start, end=event.start + dt.timedelta(hours=1))
    other_organizer = CityTeamMemberFactory(tour=other.tour, city=other.city).user
    refused("overlap", lambda: services.assign_shift(shift=other_shift, application=elsewhere, by=other_organizer))
    assert sorted(ShiftAssignment.objects.values_list("shift_id", flat=True)) == sorted([morning.id, afterwards.id])


def test_a_full_shift_a_pending_volunteer_and_a_volunteer_of_another_event_are_refused(event, organizer):
    shift = ShiftFactory(event=event, head_count=1)
    services.assign_shift(shift=shift, application=VolunteerFactory(event=event), by=organizer)
    refused("full", lambda: services.assign_shift(shift=shift, application=VolunteerFactory(event=event), by=organizer))
    roomy = ShiftFactory(event=event, head_count=5, start=event.end, end=event.end + dt.timedelta(hours=1))
    pending = VolunteerFactory(event=event, status=VolunteerStatus.PENDING)
    refused("not_approved", lambda: services.assign_shift(shift=roomy, application=pending, by=organizer))
    stranger = VolunteerFactory(event=EventFactory(tour=event.tour))
    refused("other_event", lambda: services.assign_shift(shift=roomy, application=stranger, by=organizer))
    assert ShiftAssignment.objects.count() == 1


def test_an_organizer_of_another_city_cannot_decide_or_assign(event, django_capture_on_commit_callbacks):
    outsider = CityTeamMemberFactory(tour=event.tour).user
    application = VolunteerFactory(event=event, status=VolunteerStatus.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        refused("not_organizer", lambda: services.decide_volunteer(application=application, approve=True, by=outsider))
    application.refresh_from_db()
    assert application.status == VolunteerStatus.PENDING and not mail.outbox
    approved = VolunteerFactory(event=event)
    refused(
        "not_organizer",
        lambda: services.assign_shift(shift=ShiftFactory(event=event), application=approved, by=outsider),
    )
    assert not ShiftAssignment.objects.exists()


@translation.override("en")
def test_shifts_stay_on_the_event_days_and_keep_room_for_their_people(event, organizer):
    shift = Shift(
        event=event,
        role=VolunteerRole.HOST,
        start=event.start + dt.timedelta(days=3),
        end=event.end + dt.timedelta(days=3),
    )
    error = refused(None, lambda: services.save_shift(shift=shift, by=organizer))
    assert "day before" in error.message_dict["start"][0]
    assert not Shift.objects.exists()
    setup = Shift(
        event=event,
        role=VolunteerRole.VENUE_SETUP,
        start=event.start - dt.timedelta(hours=20),
        end=event.start - dt.timedelta(hours=17),
        head_count=3,
    )
    services.save_shift(shift=setup, by=organizer)  # the evening before, to set up the room
    for _ in range(2):
        services.assign_shift(shift=setup, application=VolunteerFactory(event=event), by=organizer)
    setup.head_count = 1
    error = refused(None, lambda: services.save_shift(shift=setup, by=organizer))
    assert error.message_dict["head_count"] == ["2 volunteers already have this shift; unassign some first."]
    assert Shift.objects.get(pk=setup.pk).head_count == 3


def test_declining_or_withdrawing_frees_the_shifts(event, organizer):
    shift = ShiftFactory(event=event, head_count=1)
    first = VolunteerFactory(event=event)
    services.assign_shift(shift=shift, application=first, by=organizer)
    services.decide_volunteer(application=first, approve=False, by=organizer)
    assert not ShiftAssignment.objects.exists()
    second = VolunteerFactory(event=event)
    services.assign_shift(shift=shift, application=second, by=organizer)
    services.withdraw_volunteering(application=second)
    assert not ShiftAssignment.objects.exists()
    assert VolunteerApplication.objects.get(pk=second.pk).status == VolunteerStatus.WITHDRAWN


# --- The check-in role ---------------------------------------------------------------------------------------


def test_a_check_in_shift_opens_the_check_in_page_of_that_event_only(event, organizer):
    other = EventFactory(
        tour=event.tour, start=event.start + dt.timedelta(days=1), end=event.end + dt.timedelta(days=1)
    )
    theirs = services.register_attendee(event=other, tier=TicketTierFactory(event=other), details=attendee("王芳"))
    mine = services.register_attendee(event=event, tier=TicketTierFactory(event=event), details=attendee("李雷"))
    volunteer = VolunteerFactory(event=event)
    client = client_for(volunteer.user)
    page = reverse("events:checkin", args=[event.tour.slug, event.slug])
    assert client.get(page).status_code == 404

    assignment = services.assign_shift(shift=ShiftFactory(event=event), application=volunteer, by=organizer)
    assert client.get(page).status_code == 200
    scan = client.post(reverse("events:checkin_scan", args=[event.tour.slug, event.slug]), {"code": mine.ticket_code})
    assert scan.json()["ok"] is True
    # Event B: neither its page nor its scan answers, and its attendee is not checked in.
    assert client.get(reverse("events:checkin", args=[other.tour.slug, other.slug])).status_code == 404
    other_scan = client.post(
        reverse("events:checkin_scan", args=[other.tour.slug, other.slug]), {"code": theirs.ticket_code}
    )
    assert other_scan.status_code == 404
    # Nor by typing B's ticket into A's page.
    cross = client.post(
        reverse("events:checkin_scan", args=[event.tour.slug, event.slug]), {"code": theirs.ticket_code}
    )
    assert cross.json()["ok"] is False
    theirs.refresh_from_db()
    assert theirs.checked_in_at is None

    services.unassign_shift(assignment=assignment, by=organizer)
    assert client.get(page).status_code == 404


def test_a_helper_added_by_hand_keeps_check_in_access_after_their_shift_goes(event, organizer):
    volunteer = VolunteerFactory(event=event)
    CheckInStaff.objects.create(event=event, user=volunteer.user)
    assignment = services.assign_shift(shift=ShiftFactory(event=event), application=volunteer, by=organizer)
    services.unassign_shift(assignment=assignment, by=organizer)
    assert CheckInStaff.objects.filter(event=event, user=volunteer.user).exists()


# --- Attendance and "My volunteering" ------------------------------------------------------------------------


def test_attendance_is_marked_per_shift_once_it_has_started(organizer):
    past = EventFactory()  # 2024
    manager = CityTeamMemberFactory(tour=past.tour, city=past.city).user
    assignment = services.assign_shift(
        shift=ShiftFactory(event=past), application=VolunteerFactory(event=past), by=manager
    )
    services.mark_attendance(assignment=assignment, attendance=ShiftAttendance.PRESENT, by=manager)
    assignment.refresh_from_db()
    assert (assignment.attendance, assignment.marked_by) == (ShiftAttendance.PRESENT, manager)
    refused("bad_value", lambda: services.mark_attendance(assignment=assignment, attendance="maybe", by=manager))


def test_attendance_of_a_future_shift_cannot_be_marked(event, organizer):
    assignment = services.assign_shift(
        shift=ShiftFactory(event=event), application=VolunteerFactory(event=event), by=organizer
    )
    refused(
        "too_early",
        lambda: services.mark_attendance(assignment=assignment, attendance=ShiftAttendance.PRESENT, by=organizer),
    )


def test_a_volunteer_sees_only_their_own_volunteering(event):
    mine = VolunteerFactory(event=event, name="我自己")
    theirs = VolunteerFactory(event=event, name="别人家")
    client = client_for(mine.user)
    page = client.get(reverse("events:my_volunteering")).content.decode()
    assert "City tour · Hangzhou" in page and reverse("events:withdraw_volunteering", args=[mine.pk]) in page
    assert reverse("events:withdraw_volunteering", args=[theirs.pk]) not in page
    assert client.post(reverse("events:withdraw_volunteering", args=[theirs.pk])).status_code == 404
    assert VolunteerApplication.objects.get(pk=theirs.pk).status == VolunteerStatus.APPROVED
    anonymous = Client().get(reverse("events:my_volunteering"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url


# --- The organizers' screens ---------------------------------------------------------------------------------


def test_the_board_approves_assigns_and_reports_refusals_without_an_error_page(event, organizer):
    client = client_for(organizer)
    board = reverse("admin:events_event_volunteers", args=[event.pk])
    pending = VolunteerFactory(event=event, status=VolunteerStatus.PENDING, name="王小明")
    assert "王小明" in client.get(board).content.decode()
    response = client.post(board, {"op": "approve", "volunteer": pending.pk}, follow=True)
    assert "王小明 approved." in response.content.decode()
    shift = ShiftFactory(event=event, head_count=1)
    client.post(board, {"op": "assign", "shift": shift.pk, "volunteer": pending.pk})
    late = VolunteerFactory(event=event)
    response = client.post(board, {"op": "assign", "shift": shift.pk, "volunteer": late.pk}, follow=True)
    assert response.status_code == 200
    assert "This shift already has the 1 people it needs." in response.content.decode()
    assert list(ShiftAssignment.objects.values_list("volunteer__name", flat=True)) == ["王小明"]


def test_the_board_and_the_volunteer_list_of_another_city_answer_404(event):
    outsider = CityTeamMemberFactory(tour=event.tour).user
    application = VolunteerFactory(event=event)
    client = client_for(outsider)
    assert client.get(reverse("admin:events_event_volunteers", args=[event.pk])).status_code == 404
    change = reverse("admin:events_volunteerapplication_change", args=[application.pk])
    assert client.get(change).status_code == 404
    listing = client.get(reverse("admin:events_volunteerapplication_changelist")).content.decode()
    assert application.name not in listing


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_volunteer_list_and_the_board_do_not_grow_in_queries(event, organizer):
    client = client_for(organizer)
    listing = reverse("admin:events_volunteerapplication_changelist")
    board = reverse("admin:events_event_volunteers", args=[event.pk])

    def add_one(hour):
        volunteer = VolunteerFactory(event=event)
        VolunteerFactory(event=event, status=VolunteerStatus.PENDING)
        shift = ShiftFactory(
            event=event,
            start=event.start + dt.timedelta(hours=hour),
            end=event.start + dt.timedelta(hours=hour, minutes=50),
        )
        services.assign_shift(shift=shift, application=volunteer, by=organizer)

    add_one(0)
    one = (_count_queries(client, listing), _count_queries(client, board))
    add_one(1)
    add_one(2)
    three = (_count_queries(client, listing), _count_queries(client, board))
    assert one == three


def test_stepping_back_after_the_event_is_refused_and_keeps_the_record():
    past = EventFactory()  # 2024
    manager = CityTeamMemberFactory(tour=past.tour, city=past.city).user
    volunteer = VolunteerFactory(event=past)
    assignment = services.assign_shift(shift=ShiftFactory(event=past), application=volunteer, by=manager)
    services.mark_attendance(assignment=assignment, attendance=ShiftAttendance.PRESENT, by=manager)
    client = client_for(volunteer.user)
    assert (
        reverse("events:withdraw_volunteering", args=[volunteer.pk])
        not in client.get(reverse("events:my_volunteering")).content.decode()
    )
    response = client.post(reverse("events:withdraw_volunteering", args=[volunteer.pk]), follow=True)
    assert "This event is over; there is nothing to step back from." in response.content.decode()
    assert ShiftAssignment.objects.get(pk=assignment.pk).attendance == ShiftAttendance.PRESENT
    assert VolunteerApplication.objects.get(pk=volunteer.pk).status == VolunteerStatus.APPROVED


def test_bad_ids_on_the_board_answer_404_not_an_error_page(event, organizer):
    client = client_for(organizer)
    board = reverse("admin:events_event_volunteers", args=[event.pk])
    for data in (
        {"op": "approve", "volunteer": "abc"},
        {"op": "assign", "shift": "x", "volunteer": "1"},
        {"op": "attendance", "assignment": ""},
        {"op": "unassign", "assignment": "99999"},
        {"op": "approve", "volunteer": "²"},  # a digit to str.isdigit, not to int()
    ):
        assert client.post(board, data).status_code == 404


def test_deleting_a_shift_takes_its_volunteers_off_and_closes_their_check_in(event, organizer):
    volunteer = VolunteerFactory(event=event)
    shift = ShiftFactory(event=event)
    services.assign_shift(shift=shift, application=volunteer, by=organizer)
    client = client_for(organizer)
    response = client.post(reverse("admin:events_shift_delete", args=[shift.pk]), {"post": "yes"})
    assert response.status_code == 302 and not Shift.objects.exists()
    assert not CheckInStaff.objects.filter(user=volunteer.user).exists()
    changelist = client.get(reverse("admin:events_shift_changelist"))
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)
    # A sign-up is declined, never deleted.
    assert client.get(reverse("admin:events_volunteerapplication_delete", args=[volunteer.pk])).status_code == 403


def test_a_shift_with_volunteers_stays_at_its_event(event, organizer):
    shift = ShiftFactory(event=event)
    services.assign_shift(shift=shift, application=VolunteerFactory(event=event), by=organizer)
    other = EventFactory(
        tour=event.tour, city=event.city, start=event.start + dt.timedelta(days=1), end=event.end + dt.timedelta(days=1)
    )
    shift.event = other
    shift.start, shift.end = other.start, other.end
    with translation.override("en"):
        error = refused(None, lambda: services.save_shift(shift=shift, by=organizer))
    assert error.message_dict["event"] == ["Unassign this shift's volunteers before moving it to another event."]
    assert Shift.objects.get(pk=shift.pk).event == event
    page = client_for(organizer).get(reverse("admin:events_shift_change", args=[shift.pk])).content.decode()
    assert 'name="event"' not in page


def test_after_the_event_nobody_is_taken_off_a_shift(organizer):
    past = EventFactory()  # 2024
    manager = CityTeamMemberFactory(tour=past.tour, city=past.city).user
    volunteer = VolunteerFactory(event=past)
    assignment = services.assign_shift(shift=ShiftFactory(event=past), application=volunteer, by=manager)
    services.mark_attendance(assignment=assignment, attendance=ShiftAttendance.PRESENT, by=manager)
    refused("over", lambda: services.decide_volunteer(application=volunteer, approve=False, by=manager))
    refused("over", lambda: services.unassign_shift(assignment=assignment, by=manager))
    refused("over", lambda: services.delete_shift(shift=assignment.shift, by=manager))
    assert ShiftAssignment.objects.get(pk=assignment.pk).attendance == ShiftAttendance.PRESENT
    assert VolunteerApplication.objects.get(pk=volunteer.pk).status == VolunteerStatus.APPROVED


def test_no_one_is_approved_for_a_cancelled_event(event, organizer):
    application = VolunteerFactory(event=event, status=VolunteerStatus.PENDING)
    event.status = EventStatus.CANCELLED
    event.save()
    refused("closed", lambda: services.decide_volunteer(application=application, approve=True, by=organizer))
    assert not mail.outbox


def test_someone_who_stepped_back_may_offer_again(event, organizer):
    person = UserFactory()
    application = services.sign_up_volunteer(event=event, user=person, details=details())
    services.decide_volunteer(application=application, approve=True, by=organizer)
    services.withdraw_volunteering(application=application)
    again = services.sign_up_volunteer(event=event, user=person, details=details(roles=[VolunteerRole.LIVESTREAM]))
    assert again.pk == application.pk
    assert (again.status, again.roles, again.decided_by) == (VolunteerStatus.PENDING, ["livestream"], None)


def test_the_sign_up_page_opens_again_for_someone_who_stepped_back(event):
    person = UserFactory()
    services.withdraw_volunteering(application=services.sign_up_volunteer(event=event, user=person, details=details()))
    response = client_for(person).get(reverse("events:volunteer_signup", args=[event.tour.slug, event.slug]))
    assert response.status_code == 200 and "form" in response.context


def test_stepping_back_during_the_event_keeps_the_shifts_already_started():
    start = timezone.now() - dt.timedelta(hours=2)
    today = EventFactory(start=start, end=start + dt.timedelta(hours=8))
    manager = CityTeamMemberFactory(tour=today.tour, city=today.city).user
    volunteer = VolunteerFactory(event=today)
    morning = ShiftFactory(event=today, role=VolunteerRole.CHECK_IN, start=start, end=start + dt.timedelta(hours=3))
    later = ShiftFactory(event=today, start=start + dt.timedelta(hours=4), end=start + dt.timedelta(hours=7))
    worked = services.assign_shift(shift=morning, application=volunteer, by=manager)
    services.assign_shift(shift=later, application=volunteer, by=manager)
    services.mark_attendance(assignment=worked, attendance=ShiftAttendance.PRESENT, by=manager)
    with translation.override("en"):
        error = refused("started", lambda: services.unassign_shift(assignment=worked, by=manager))
    assert error.messages == ["This shift has started: it stays, with its attendance, as the record of who helped."]
    refused("started", lambda: services.delete_shift(shift=morning, by=manager))
    delete = reverse("admin:events_shift_delete", args=[morning.pk])
    assert client_for(manager).post(delete, {"post": "yes"}).status_code == 403  # not offered, not a 500
    assert Shift.objects.filter(pk=morning.pk).exists()

    services.withdraw_volunteering(application=volunteer)
    kept = ShiftAssignment.objects.filter(volunteer=volunteer).values_list("shift_id", "attendance")
    assert list(kept) == [(morning.id, ShiftAttendance.PRESENT)]
    assert VolunteerApplication.objects.get(pk=volunteer.pk).status == VolunteerStatus.WITHDRAWN
    assert not CheckInStaff.objects.filter(event=today, user=volunteer.user).exists()  # no more door duty


def test_email_subjects_are_plain_text_with_the_title_as_written():
    event = EventFactory(title="Rust & AI <城市行>", title_en="Rust & AI <City tour>")
    volunteer = VolunteerFactory(event=event, language="en")
    subject, body = emails.volunteer_email(volunteer, "approved")
    assert subject == "You are a volunteer at Rust & AI <City tour>"
    registration = services.register_attendee(
        event=event, tier=TicketTierFactory(event=event), details=attendee(language="zh-hans")
    )
    subject, body = emails.registration_email(registration, "confirmed")
    assert subject.endswith("Rust & AI <城市行>") and "&amp;" not in subject + body
