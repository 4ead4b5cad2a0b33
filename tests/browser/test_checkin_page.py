"""The check-in page's script in a real browser: a camera that shows a ticket (a canvas stream standing in for the
phone's camera), a double tap, a browser whose BarcodeDetector cannot read QR codes, a session that ended,
a search that finds nobody."""

import base64
import io

import pytest
import qrcode

from events import services
from events.models import CheckInStaff, Registration
from tests.browser.test_registration_journey import log_in
from tests.factories import EventFactory, TicketTierFactory, UserFactory, attendee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOX = "票号、姓名、手机或邮箱"

# The phone's camera, showing a ticket's QR code on white, ten frames a second.
FAKE_CAMERA = """
navigator.mediaDevices.getUserMedia = async () => {
  const image = new Image(); image.src = %r; await image.decode();
  const canvas = document.createElement("canvas"); canvas.width = 640; canvas.height = 480;
  const context = canvas.getContext("2d");
  const draw = () => { context.fillStyle = "#fff"; context.fillRect(0, 0, 640, 480);
                       context.drawImage(image, 170, 90, 300, 300); };
  draw(); setInterval(draw, 100);
  return canvas.captureStream(10);
};
"""

# Chrome on a phone without Google's services: the object is there, it reads nothing.
DETECTOR_WITHOUT_QR = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return []; }
  async detect() { throw new DOMException("Barcode detection service unavailable.", "NotSupportedError"); }
};
"""


def qr_data_url(text: str) -> str:
    buffer = io.BytesIO()
    qrcode.make(text).save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def door(browser, live_server):
    """The check-in page of an event with one registration, open on a helper's phone; ``posts`` lists the
    check-in requests the page sent."""
    event = EventFactory(title="城市开源行·深圳站", slug="shenzhen", tour__slug="tour2024")
    tier = TicketTierFactory(event=event, name="普通票", name_en="", quota=100)
    registration = services.register_attendee(
        event=event, tier=tier, details=attendee("李雷", "li@example.org"), render=False
    )
    helper = UserFactory(email="helper@example.org")
    CheckInStaff.objects.create(event=event, user=helper)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.url.endswith("/scan") else None)
    log_in(page, live_server, helper)

    def open_page(*scripts):
        for script in scripts:
            page.add_init_script(script)
        page.goto(live_server.url + "/checkin/tour2024/shenzhen/")

    yield page, context, registration, posts, open_page
    context.close()


def checked_in(registration) -> bool:
    return Registration.objects.get(pk=registration.pk).checked_in_at is not None


def test_a_double_tap_checks_in_once_and_stays_green(door):
    page, _context, registration, posts, open_page = door
    open_page()
    box = page.get_by_label(BOX)
    box.fill(registration.ticket_code)
    box.press("Enter")
    box.press("Enter")
    page.locator("#result.ok").wait_for()
    page.wait_for_timeout(1000)
    assert len(posts) == 1 and "李雷" in page.locator("#result").inner_text()
    assert checked_in(registration)


def test_a_ticket_held_up_to_the_camera_is_checked_in_once(door):
    page, _context, registration, posts, open_page = door
    open_page(FAKE_CAMERA % qr_data_url(registration.ticket_secret))
    assert page.evaluate("'BarcodeDetector' in window") is False  # so the vendored jsQR reads the frames
    page.get_by_role("button", name="用摄像头扫码").click()
    page.locator("#result.ok").wait_for()
    page.wait_for_timeout(5000)  # the attendee keeps holding the phone up
    assert len(posts) == 1 and page.locator("#result.ok").count() == 1
    assert checked_in(registration)


def test_a_barcode_detector_that_cannot_read_qr_codes_leaves_the_reading_to_jsqr(door):
    page, _context, registration, posts, open_page = door
    open_page(FAKE_CAMERA % qr_data_url(registration.ticket_secret), DETECTOR_WITHOUT_QR)
    page.get_by_role("button", name="用摄像头扫码").click()
    page.locator("#result.ok").wait_for()
    assert len(posts) == 1 and checked_in(registration)


def test_a_session_that_ended_says_so_instead_of_blaming_the_network(door):
    page, context, registration, _posts, open_page = door
    open_page()
    context.clear_cookies()
    box = page.get_by_label(BOX)
    box.fill(registration.ticket_code)
    box.press("Enter")
    page.locator("#result.refused").wait_for()
    assert "您已退出登录" in page.locator("#result").inner_text()
    assert page.get_by_role("link", name="刷新页面").is_visible()
    assert not checked_in(registration)


def test_a_search_that_finds_nobody_says_so_and_a_check_in_from_the_results_keeps_the_box_ready(door):
    page, _context, registration, _posts, open_page = door
    open_page()
    box = page.get_by_label(BOX)
    box.fill("李")
    box.press("Enter")
    page.locator("#matches button").click()
    page.locator("#result.ok").wait_for()
    assert page.evaluate("document.activeElement.id") == "code"  # the next code can be typed at once
    box.fill("王小明")
    box.press("Enter")
    page.locator("#result.info").wait_for()
    assert page.locator("#result").inner_text() == "没有匹配的报名。"
    assert page.locator("#result.ok").count() == 0


def test_on_a_slow_network_the_next_person_is_served_and_what_is_typed_is_kept(door):
    page, _context, registration, _posts, open_page = door
    open_page()
    held, searches = [], []
    page.route("**/scan", lambda route: held.append(route))  # the door's network: the answer is on its way
    page.on("request", lambda request: searches.append(request.url) if "/search" in request.url else None)
    box = page.get_by_label(BOX)
    box.fill(registration.ticket_code)
    box.press("Enter")
    page.wait_for_timeout(300)
    box.fill("李雷")  # the next person in the queue gives their name meanwhile
    box.press("Enter")
    page.locator("#matches li").wait_for()
    assert len(searches) == 1 and len(held) == 1
    box.fill("TRRR")  # and the helper begins typing another code
    held[0].continue_()
    page.locator("#result.ok").wait_for()
    assert box.input_value() == "TRRR" and checked_in(registration)
