"""Demo speakers, talks, reviews and the Shenzhen and Guangzhou agendas, in the formats of the seed tour."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from citytour.fonts import FontMissing, pillow_font
from events import services as event_services
from events.demo import DEMO_DOMAIN, SHANGHAI, DemoLogins, demo_user
from events.models import AgendaTemplate, AgendaTemplateSlot, City, Event, Slot, SlotKind, Tour

from . import services
from .emails import DEFAULTS
from .models import (
    Acceptance,
    AcceptanceStatus,
    AudienceLevel,
    CallForPapers,
    CfpQuestion,
    DecisionEmailTemplate,
    Review,
    ReviewTeamMember,
    SessionFormat,
    SpeakerProfile,
    Submission,
    SubmissionState,
    Track,
)

TRACKS = [
    ("人工智能", "AI"),
    ("大数据", "Big data"),
    ("云计算", "Cloud"),
    ("物联网", "IoT"),
    ("开源治理", "Open-source governance"),
]

# The running order of the seed tour: 主题演讲 / 实践案例 / 答疑互动 / 开源展览 / 闪电演讲 / 主题研讨.
AGENDA = [
    (SlotKind.OPENING, "开场致辞", "Opening", 10),
    (SlotKind.KEYNOTE, "主题演讲", "Keynote", 30),
    (SlotKind.CASE_STUDY, "实践案例", "Case study", 30),
    (SlotKind.QA, "答疑互动", "Q&A", 10),
    (SlotKind.EXHIBITION, "茶歇 · 开源展览", "Break · open-source exhibition", 20),
    (SlotKind.CASE_STUDY, "实践案例", "Case study", 30),
    (SlotKind.QA, "答疑互动", "Q&A", 10),
    (SlotKind.LIGHTNING, "闪电演讲（每人 3-5 分钟，不限主题）", "Lightning talks (3–5 minutes each, any topic)", 30),
    (SlotKind.ROUNDTABLE, "主题研讨：数字经济与开源", "Roundtable: the digital economy and open source", 45),
    (SlotKind.CLOSING, "合影 · 闭幕", "Group photo · closing", 15),
]

# email user part, name, English name, title, company, city of departure, colour
SPEAKERS = [
    ("chen.jing", "陈静", "Chen Jing", "首席架构师", "星河数据", "深圳", (38, 84, 124)),
    ("li.wei", "李伟", "Li Wei", "数据平台负责人", "云栈科技", "广州", (122, 55, 48)),
    ("wang.fang", "王芳", "Wang Fang", "开源项目办公室主任", "南山智能", "深圳", (52, 110, 74)),
    ("zhang.lei", "张磊", "Zhang Lei", "高级工程师", "琴湖物联", "杭州", (110, 88, 30)),
    ("liu.yang", "刘洋", "Liu Yang", "技术总监", "北辰云", "北京", (84, 60, 120)),
    ("zhao.min", "赵敏", "Zhao Min", "数据库内核开发者", "开源数据库社区", "上海", (30, 100, 110)),
    ("sun.hao", "孙浩", "Sun Hao", "AI 平台工程师", "粤海智算", "广州", (130, 70, 100)),
    ("zhou.ting", "周婷", "Zhou Ting", "运维与 DBA 负责人", "珠江金融科技", "广州", (70, 90, 40)),
    ("wu.qiang", "吴强", "Wu Qiang", "CTO", "蓝鲸物联", "成都", (40, 60, 90)),
    ("huang.li", "黄丽", "Huang Li", "研究生", "华南理工大学", "广州", (150, 90, 40)),
]

# speaker, title, format, track index, level, cities, state, accepted for (city: confirmation)
TALKS = [
    (
        "chen.jing",
        "数据要素化：从数据资源到数据资产",
        SessionFormat.KEYNOTE,
        1,
        AudienceLevel.EXECUTIVE,
        ["shenzhen", "guangzhou"],
        SubmissionState.ACCEPTED,
        {"shenzhen": AcceptanceStatus.CONFIRMED, "guangzhou": AcceptanceStatus.CONFIRMED},
    ),
    (
        "li.wei",
        "开源湖仓一体在零售企业的落地实践",
        SessionFormat.CASE_STUDY,
        1,
        AudienceLevel.ARCHITECT,
        ["guangzhou"],
        SubmissionState.ACCEPTED,
        {"guangzhou": AcceptanceStatus.CONFIRMED},
    ),
    (
        "wang.fang",
        "企业开源项目办公室（OSPO）的建设之路",
        SessionFormat.CASE_STUDY,
        4,
        AudienceLevel.EXECUTIVE,
        ["shenzhen", "guangzhou"],
        SubmissionState.ACCEPTED,
        {"shenzhen": AcceptanceStatus.CONFIRMED, "guangzhou": AcceptanceStatus.DECLINED},
    ),
    (
        "zhang.lei",
        "物联网时序数据的开源处理方案",
        SessionFormat.CASE_STUDY,
        3,
        AudienceLevel.DEVELOPER,
        ["shenzhen", "hangzhou"],
        SubmissionState.ACCEPTED,
        {"shenzhen": AcceptanceStatus.CONFIRMED},
    ),
    (
        "liu.yang",
        "云原生数据库的弹性伸缩",
        SessionFormat.DEEP_DIVE,
        2,
        AudienceLevel.ARCHITECT,
        ["beijing", "shanghai"],
        SubmissionState.ACCEPTED,
        {"beijing": AcceptanceStatus.PENDING},
    ),
    (
        "zhao.min",
        "PostgreSQL 内核扩展开发入门",
        SessionFormat.WORKSHOP,
        1,
        AudienceLevel.DEVELOPER,
        ["shanghai", "hangzhou", "nanjing"],
        SubmissionState.IN_REVIEW,
        {},
    ),
    (
        "sun.hao",
        "大模型推理服务的开源工具链",
        SessionFormat.DEEP_DIVE,
        0,
        AudienceLevel.DEVELOPER,
        ["guangzhou", "shenzhen"],
        SubmissionState.ACCEPTED,
        {"guangzhou": AcceptanceStatus.CONFIRMED},
    ),
    (
        "zhou.ting",
        "金融场景下的数据库高可用运维",
        SessionFormat.CASE_STUDY,
        1,
        AudienceLevel.OPERATIONS,
        ["guangzhou"],
        SubmissionState.WAITLISTED,
        {},
    ),
    (
        "wu.qiang",
        "边缘计算与开源物联网平台",
        SessionFormat.KEYNOTE,
        3,
        AudienceLevel.EXECUTIVE,
        ["chengdu", "xian", "wuhan"],
        SubmissionState.IN_REVIEW,
        {},
    ),
    (
        "huang.li",
        "我在开源社区的第一个 PR",
        SessionFormat.LIGHTNING,
        4,
        AudienceLevel.STUDENT,
        ["guangzhou", "shenzhen"],
        SubmissionState.ACCEPTED,
        {"shenzhen": AcceptanceStatus.CONFIRMED, "guangzhou": AcceptanceStatus.CONFIRMED},
    ),
    (
        "chen.jing",
        "数据安全合规的开源实践",
        SessionFormat.PANEL,
        4,
        AudienceLevel.ARCHITECT,
        ["beijing"],
        SubmissionState.REJECTED,
        {},
    ),
    (
        "li.wei",
        "用开源 BI 做经营分析",
        SessionFormat.LIGHTNING,
        1,
        AudienceLevel.DEVELOPER,
        ["guangzhou"],
        SubmissionState.SUBMITTED,
        {},
    ),
    (
        "sun.hao",
        "AI 辅助的数据标注流程",
        SessionFormat.CASE_STUDY,
        0,
        AudienceLevel.DEVELOPER,
        ["zhengzhou"],
        SubmissionState.WITHDRAWN,
        {},
    ),
]

# Which slot of the agenda (by position) each confirmed talk takes, per city.
PLACEMENT = {
    "shenzhen": {
        1: "数据要素化：从数据资源到数据资产",
        2: "企业开源项目办公室（OSPO）的建设之路",
        5: "物联网时序数据的开源处理方案",
        7: "我在开源社区的第一个 PR",
    },
    "guangzhou": {
        1: "数据要素化：从数据资源到数据资产",
        2: "开源湖仓一体在零售企业的落地实践",
        5: "大模型推理服务的开源工具链",
        7: "我在开源社区的第一个 PR",
    },
}


def _avatar(name: str, colour) -> SimpleUploadedFile | None:
    try:
        font = pillow_font(150)
    except FontMissing:
        return None
    image = Image.new("RGB", (400, 400), colour)
    ImageDraw.Draw(image).text((200, 200), name[0], font=font, fill="white", anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return SimpleUploadedFile("avatar.jpg", buffer.getvalue(), content_type="image/jpeg")


@transaction.atomic
def seed_cfp(tour: Tour, logins: DemoLogins) -> CallForPapers:
    opens = dt.datetime(2024, 3, 1, 0, 0, tzinfo=SHANGHAI)
    cfp, created = CallForPapers.objects.get_or_create(
        tour=tour,
        defaults=dict(
            title="2024 数字经济-城市开源行 · 议题征集",
            title_en="2024 Digital Economy City Tour · Call for papers",
            description="邀请来自各组织及企业的资深数据从业者，分享开源技术在数字经济中的实际应用与前沿探索。"
            "主题演讲、实践案例、技术深度解析、闪电演讲、圆桌讨论与工作坊均欢迎投稿；一个议题可以在多个城市分享。",
            description_en="Share how open source powers the digital economy: keynotes, case studies, deep-dives, "
            "lightning talks, panels and workshops. One talk can travel to several cities.",
            opens_at=opens,
            closes_at=max(timezone.now() + dt.timedelta(days=90), dt.datetime(2024, 12, 31, tzinfo=SHANGHAI)),
            formats=[value for value, _ in SessionFormat.choices],
            levels=[value for value, _ in AudienceLevel.choices],
        ),
    )
    if not created:
        return cfp
    tracks = [Track.objects.create(cfp=cfp, name=zh, name_en=en, position=i) for i, (zh, en) in enumerate(TRACKS)]
    CfpQuestion.objects.create(
        cfp=cfp,
        text="是否同意直播与录像？",
        text_en="May we livestream and record your talk?",
        required=True,
        position=0,
    )
    for state, (subject, body, subject_en, body_en) in DEFAULTS.items():
        DecisionEmailTemplate.objects.create(
            tour=tour, kind=state, subject=subject, body=body, subject_en=subject_en, body_en=body_en
        )
    _seed_agenda_template(tour)
    speakers = _seed_speakers(logins)
    submissions = _seed_talks(cfp, tracks, speakers)
    _seed_reviews(tour, tracks, submissions, logins)
    _seed_agendas(tour, submissions)
    return cfp


def _seed_agenda_template(tour: Tour) -> None:
    template = AgendaTemplate.objects.create(tour=tour, name="城市站标准议程 · Standard city agenda")
    AgendaTemplateSlot.objects.bulk_create(
        AgendaTemplateSlot(template=template, position=i, kind=kind, title=zh, title_en=en, duration_minutes=minutes)
        for i, (kind, zh, en, minutes) in enumerate(AGENDA)
    )


def _seed_speakers(logins: DemoLogins) -> dict:
    users = {}
    for key, name, name_en, title, company, departure, colour in SPEAKERS:
        email = f"{key}@demo.citytour.cn" if key != "chen.jing" else "speaker@demo.citytour.cn"
        user = demo_user(email, first_name=name)
        profile = SpeakerProfile(
            user=user,
            name=name,
            name_en=name_en,
            title=title,
            company=company,
            email=email,
            departure_city=departure,
            needs_travel=departure not in ("深圳", "广州"),
            bio=f"{name}，{company}{title}，长期参与开源社区建设，关注数据与开源技术在产业中的落地。",
        )
        avatar = _avatar(name, colour)
        if avatar:
            profile.photo = avatar
        services.save_speaker_profile(profile=profile)
        users[key] = user
    logins.add("speaker with accepted talks (My talks)", "speaker@demo.citytour.cn")
    return users


def _seed_talks(cfp, tracks, speakers) -> dict[str, Submission]:
    cities = {city.slug: city for city in City.objects.all()}
    events = {event.city.slug: event for event in Event.objects.filter(tour=cfp.tour).select_related("city")}
    question = cfp.questions.get()
    decider = cfp.tour.admins.get(email=f"tour@{DEMO_DOMAIN}")
    submissions = {}
    for key, title, format_, track, level, offered, state, accepted in TALKS:
        submission = Submission.objects.create(
            cfp=cfp,
            speaker=speakers[key],
            title=title,
            format=format_,
            track=tracks[track],
            level=level,
            language="zh-hans",
            answers={str(question.id): "同意"},
            abstract=f"《{title}》将结合真实项目，介绍背景、架构选择、踩过的坑与可复用的经验，并留出时间答疑交流。",
            outline="1. 背景与挑战\n2. 方案与架构\n3. 实践经验\n4. 开源社区协作\n5. 答疑",
        )
        submission.cities.set([cities[slug] for slug in offered])
        if state in (SubmissionState.ACCEPTED, SubmissionState.WAITLISTED, SubmissionState.REJECTED):
            services.decide(submission=submission, state=state, events=[events[slug] for slug in accepted], by=decider)
            for slug, status in accepted.items():
                if status != AcceptanceStatus.PENDING:
                    acceptance = Acceptance.objects.get(submission=submission, event=events[slug])
                    if acceptance.answerable():
                        services.respond_to_acceptance(
                            acceptance=acceptance, confirm=status == AcceptanceStatus.CONFIRMED
                        )
                    else:  # the answers of a past tour, as they were given (before its agenda was made)
                        Acceptance.objects.filter(pk=acceptance.pk).update(
                            status=status, responded_at=events[slug].start - dt.timedelta(days=30)
                        )
            Submission.objects.filter(pk=submission.pk).update(notified_state=state, notified_at=timezone.now())
        elif state == SubmissionState.WITHDRAWN:
            services.withdraw_talk(submission=submission)
        elif state == SubmissionState.IN_REVIEW:
            Submission.objects.filter(pk=submission.pk).update(state=state)
        submission.refresh_from_db()
        submissions[title] = submission
    return submissions


def _seed_reviews(tour, tracks, submissions, logins) -> None:
    reviewers = []
    for n, limit in ((1, None), (2, None), (3, tracks[1])):
        user = demo_user(f"reviewer{n}@demo.citytour.cn", first_name=f"评审{n}")
        member = ReviewTeamMember.objects.create(tour=tour, user=user)
        if limit:
            member.tracks.add(limit)
        reviewers.append((user, limit))
    logins.add("reviewer (all tracks)", "reviewer1@demo.citytour.cn")
    logins.add("reviewer (big data track only)", "reviewer3@demo.citytour.cn")
    scores = [5, 4, 4, 3, 5, 4, 3, 2, 4, 5, 2, 3, 4]
    for i, submission in enumerate(submissions.values()):
        if submission.state in (SubmissionState.SUBMITTED, SubmissionState.WITHDRAWN):
            continue
        for j, (user, limit) in enumerate(reviewers):
            if limit and submission.track_id != limit.id:
                continue
            score = max(1, min(5, scores[i % len(scores)] + (j % 2) - (1 if j == 2 else 0)))
            Review.objects.create(
                submission=submission,
                reviewer=user,
                score=score,
                comment=["内容扎实，案例具体。", "主题契合，建议补充数据。", "适合本站听众。"][j],
            )


def _seed_agendas(tour: Tour, submissions: dict[str, Submission]) -> None:
    template = tour.agenda_templates.get()
    for slug, placement in PLACEMENT.items():
        event = Event.objects.get(tour=tour, city__slug=slug)
        if event.slots.exists():
            continue
        slots = event_services.create_agenda_from_template(event=event, template=template)
        for position, title in placement.items():
            Slot.objects.filter(pk=slots[position].pk).update(submission=submissions[title], title="", title_en="")
