"""Registrations in and out as CSV: a streamed export for spreadsheets, and an all-or-nothing import, run in the
background."""

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from citytour.phones import normalize_phone

from ..models import Event, ImportState, Registration, RegistrationImport, RegistrationStatus
from .registrations import AttendeeDetails, ListRefused, register_list

logger = logging.getLogger(__name__)


class _Echo:
    def write(self, value):
        return value


def sample_file(event: Event) -> str:
    """A file to fill in for an import: the headings it reads, in the language of the page (as the export writes
    them), and a column for each of the event's registration questions."""
    writer = csv.writer(_Echo())
    return "\ufeff" + writer.writerow([*_person_headings(), *[q.display_text for q in event.questions.all()]])


def _person_headings() -> list[str]:
    """The columns of a person, as the export writes them and the import reads them (see IMPORT_COLUMNS)."""
    return [pgettext("of a person", "name"), _("email"), _("phone"), _("company"), _("job role"), _("ticket")]


def export_rows(event: Event) -> Iterator[str]:
    """CSV lines (UTF-8 with a BOM, so that Excel shows Chinese), one registration at a time."""
    questions = list(event.questions.all())
    writer = _SafeWriter(csv.writer(_Echo()))
    yield "\ufeff"
    code, attendance, status, channel, invite_code, heard_from, *times = _export_only_headings()
    yield writer.writerow(
        [
            code,
            *_person_headings(),
            attendance,
            status,
            channel,
            invite_code,
            heard_from,
            *[q.display_text for q in questions],
            *times,
        ]
    )
    registrations = (
        Registration.objects.filter(event=event)
        .select_related("tier", "invite_code", "heard_from", "checked_in_by")
        .order_by("created_at", "id")
    )
    for r in registrations.iterator(chunk_size=500):
        yield writer.writerow(
            [
                r.ticket_code,
                r.name,
                r.email,
                r.phone,
                r.company,
                r.job_role,
                r.tier.display_name,
                r.tier.get_attendance_display(),
                r.get_status_display(),
                r.invite_code.get_channel_display() if r.invite_code_id else _("Public registration"),
                r.invite_code.code if r.invite_code_id else "",
                r.heard_from.display_name if r.heard_from_id else "",
                *[r.answers.get(str(q.id), "") for q in questions],
                _local(r.created_at),
                _local(r.paid_at),
                _local(r.checked_in_at),
                r.checked_in_by.email if r.checked_in_by_id else "",
            ]
        )


class _SafeWriter:
    """Writes cells that a spreadsheet would run as formulas (=, +, -, @ …) as plain text."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row):
        return self.writer.writerow([_defused(cell) for cell in row])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _defused(cell):
    text = str(cell)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _undefused(text: str) -> str:
    """A cell as it was before the export defused it (an export brought back: '+44 20 … is a phone number)."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


@dataclass
class RowError:
    line: int
    email: str
    message: str


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} rows could not be imported")
        self.errors = errors


# The columns an import reads, each under the names a sheet may give it: ours, and those of lists kept in Chinese
# (and "ticket" and "job role", as our own export heads them).
IMPORT_COLUMNS = {
    "name": ("name", "姓名"),
    "email": ("email", "e-mail", "邮箱", "电子邮箱", "邮件"),
    "phone": ("phone", "mobile", "手机", "手机号", "电话"),
    "company": ("company", "公司", "单位"),
    "job_role": ("job_role", "job role", "职位", "职务"),
    "tier": ("tier", "ticket", "票种", "门票"),
}
REQUIRED_COLUMNS = {"name", "email"}
_COLUMN_OF = {alias: column for column, aliases in IMPORT_COLUMNS.items() for alias in aliases}


def _column(heading: str | None) -> str | None:
    return _COLUMN_OF.get((heading or "").strip().lower())


def _columns_of(event: Event, headings: list[str]) -> tuple[dict[str, str | None], list[str]]:
    """Each heading's column — one the import reads, ``question:<id>`` for one of the event's registration
    questions (by its text, in either language), or None for what our own export says of how a registration
    went (its code, status, times…), left aside when an export is brought back — and the headings it would not
    read at all."""
    questions = {
        text.strip().lower(): f"question:{question.pk}"
        for question in event.questions.all()
        for text in (question.text, question.text_en)
        if text.strip()
    }
    set_aside = _spellings(_export_only_headings)
    statuses = _spellings(lambda: [_("status")])
    columns, unread = {}, []
    for heading in headings:
        key = heading.strip().lower()
        if _column(heading):  # the import's own columns first: a question titled "phone" does not take them
            columns[heading] = _column(heading)
        elif key in questions:
            columns[heading] = questions[key]
        elif key in statuses:
            columns[heading] = "status"  # read only to leave out the registrations the export says were cancelled
        elif key in set_aside:
            columns[heading] = None
        else:
            unread.append(heading.strip())
    return columns, unread


def _spellings(texts) -> set[str]:
    """What ``texts()`` returns, as every language of the site spells it (in lower case): a sheet exported in
    one language is read in any."""
    spelled = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            spelled |= {str(text).strip().lower() for text in texts()}
    return spelled


def _export_only_headings() -> tuple:
    """The export's headings that say how each registration went, in its order (registered, paid, checked in at,
    checked in by last)."""
    return (
        _("ticket code"),
        pgettext("in person or online", "attendance"),
        _("status"),
        _("channel"),
        _("invite code"),
        _("heard of us through"),
        _("registered at"),
        _("paid at"),
        _("checked in at"),
        _("checked in by"),
    )


def queue_import(
    *, event: Event, file_name: str, data: bytes, by, language: str, notify: bool = True
) -> RegistrationImport:
    """Keep the file and import it in the background; its page follows how it goes."""
    job = RegistrationImport.objects.create(
        event=event, file_name=file_name[:255], data=data, created_by=by, language=language, notify=notify
    )
    transaction.on_commit(lambda: _queue_import(job.pk))
    return job


def _queue_import(job_id: int) -> None:
    from ..tasks import import_registration_file

    try:
        import_registration_file.delay(job_id)
    except Exception:
        logger.exception("Could not queue registration import %s", job_id)
        _fail(
            job_id,
            _(
                "The import could not be started (the background workers cannot be reached): nothing was "
                "imported. Try again in a few minutes."
            ),
        )


def run_import(*, job_id: int) -> RegistrationImport | None:
    """Import a queued file: everyone in it, or no one and the rows to fix. A copy of the same job (a task
    delivered twice) finds it taken and does nothing; one whose worker died is taken over once that worker's time
    limit is past (``resume_imports`` sends it again): its transaction, and whatever it had imported, died with
    it, unless it had committed, and then the job says so too."""
    now = timezone.now()
    abandoned = _abandoned_before(now)
    taken = (
        RegistrationImport.objects.filter(pk=job_id)
        .filter(Q(state=ImportState.QUEUED) | Q(state=ImportState.RUNNING, started_at__lt=abandoned))
        .update(state=ImportState.RUNNING, started_at=now)
    )
    if not taken:
        return None
    job = RegistrationImport.objects.select_related("event").get(pk=job_id)
    with translation.override(job.language):
        try:
            # The registrations and the job's outcome commit together: a worker that dies after the commit leaves
            # a job that says "done", never one that is imported again (and refused as "already registered").
            with transaction.atomic():
                created = import_registrations(event=job.event, data=bytes(job.data), notify=job.notify)
                job.state, job.imported = ImportState.DONE, len(created)
                _finish(job)
        except ImportFailed as failure:
            job.state, job.errors = ImportState.FAILED, [asdict(error) for error in failure.errors]
            _finish(job)
        except Exception:
            # Reported on the import's page rather than retried: the organizer who brought the file decides.
            logger.exception("Registration import %s stopped", job_id)
            _fail(
                job_id,
                _(
                    "The import stopped on an unexpected error: nothing was imported. Try again, or tell the "
                    "site's administrators."
                ),
            )
            return None
    return job


def _finish(job: RegistrationImport) -> None:
    job.data, job.finished_at = b"", timezone.now()
    job.save(update_fields=["state", "errors", "imported", "data", "finished_at"])


# A file still queued this long, or running past the workers' time limit, is sent to the workers again; one that
# has waited a day is given up (its organizers have long since seen the warning on its page).
IMPORT_RESENT_AFTER = dt.timedelta(minutes=5)
IMPORT_GIVEN_UP_AFTER = dt.timedelta(days=1)


UNFINISHED = (ImportState.QUEUED, ImportState.RUNNING)


def _abandoned_before(now):
    """A job running since before this has outlived its worker's time limit: that worker is gone."""
    return now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)


def resume_imports() -> int:
    """Send again the imports that never reached a worker (a message lost with the broker, a web process stopped
    between its commit and the queue) or whose worker died; give up those that waited a day. Returns how many
    were sent."""
    from ..tasks import import_registration_file

    now = timezone.now()
    abandoned = _abandoned_before(now)
    unfinished = RegistrationImport.objects.filter(state__in=UNFINISHED)
    # Not one that a worker is importing now: it may be about to commit.
    forgotten = unfinished.filter(created_at__lt=now - IMPORT_GIVEN_UP_AFTER).exclude(
        state=ImportState.RUNNING, started_at__gte=abandoned
    )
    for job_id, language in forgotten.values_list("pk", "language"):
        with translation.override(language):
            _fail(
                job_id,
                _(
                    "The import waited a day for the background workers and was given up: nothing was imported. "
                    "Bring the file again."
                ),
            )
    stuck = unfinished.filter(
        Q(state=ImportState.QUEUED, created_at__lt=now - IMPORT_RESENT_AFTER)
        | Q(state=ImportState.RUNNING, started_at__lt=abandoned)
    )
    sent = 0
    for job_id in stuck.values_list("pk", flat=True):
        try:
            import_registration_file.delay(job_id)
        except Exception:
            logger.exception("Could not queue registration import %s again", job_id)
            break  # the broker is down: the next run tries again
        sent += 1
    return sent


def _fail(job_id: int, message: str) -> None:
    """Mark a job failed, unless it has finished meanwhile: an import that committed its people says "done"."""
    unfinished = RegistrationImport.objects.filter(pk=job_id, state__in=UNFINISHED)
    unfinished.update(
        state=ImportState.FAILED,
        errors=[asdict(RowError(0, "", str(message)))],
        data=b"",
        finished_at=timezone.now(),
    )


def import_registrations(*, event: Event, data: bytes, notify: bool = True) -> list[Registration]:
    """Register everyone in the CSV, or no one: any bad row rolls the whole import back and is reported. With
    ``notify=False`` nobody gets the confirmation email (their tickets still come)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([RowError(0, "", _("The file is not UTF-8 text. Save the sheet as “CSV UTF-8”."))]) from None
    lines_above, body = _below_empty_lines(text)
    delimiter = _delimiter(LINE_BREAK.split(body, maxsplit=1)[0])
    # newline="": the csv module itself reads every line end (Windows, Unix and old Mac ones).
    # strict: a quote left open is an error, not a cell that swallows the rows after it.
    reader = csv.DictReader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    try:
        return _import_rows(event, reader, lines_above, notify)
    except csv.Error:
        line = lines_above + reader.line_num + 1  # the line it could not read
        message = _("The file is not valid CSV near line %(line)s (an unclosed quote, or a cell that is too long).")
        raise ImportFailed([RowError(line, "", message % {"line": line})]) from None


# Sheets saved in other locales separate cells with semicolons, and copies from a table with tabs.
DELIMITERS = (",", ";", "\t")
EMPTY_LINE = re.compile(r"[ \t,;]*(?:\r\n|\r|\n)")


def _below_empty_lines(text: str) -> tuple[int, str]:
    """The text from its header on, and how many lines above it held nothing (blank, or the separators of a
    cleared row); they are counted, so that each row keeps its line number."""
    lines_above = 0
    while empty := EMPTY_LINE.match(text):
        text = text[empty.end() :]
        lines_above += 1
    return lines_above, text


def _delimiter(header: str) -> str:
    """The separator that reads the header's required columns (a quoted title may hold the others)."""
    for delimiter in DELIMITERS:
        try:
            [columns] = list(csv.reader([header], delimiter=delimiter)) or [[]]
        except csv.Error:
            continue
        if {_column(column) for column in columns} >= REQUIRED_COLUMNS:
            return delimiter
    return ","


UNHEADED = "\x00"  # what a column without a heading is called while the file is read (a cell cannot hold it)


def _import_rows(event: Event, reader: csv.DictReader, lines_above: int, notify: bool) -> list[Registration]:
    # Headings as written, less the spaces around them; each column without one under a name of its own, so that
    # the cells of two such columns stay apart.
    reader.fieldnames = [
        heading.strip() or f"{UNHEADED}{position}" for position, heading in enumerate(reader.fieldnames or [])
    ]
    headings = [heading for heading in reader.fieldnames if not heading.startswith(UNHEADED)]
    columns = {_column(heading) for heading in headings}
    if not columns >= REQUIRED_COLUMNS:
        missing = ", ".join(sorted(REQUIRED_COLUMNS - columns))
        message = _("Missing columns: %(columns)s.") % {"columns": missing}
        raise ImportFailed([RowError(lines_above + 1, "", message)])
    # A column the import would not read loses what the organizers meant it to carry (a tier, a job title):
    # said before anything is imported, not found out afterwards.
    column_of, unread = _columns_of(event, headings)
    if unread:
        message = _(
            "The import does not read the columns %(columns)s: remove them, or rename them. It reads name, email, "
            "phone, company, job_role, tier, and the event's registration questions by their text."
        ) % {"columns": ", ".join(f"“{heading}”" for heading in unread)}
        raise ImportFailed([RowError(lines_above + 1, "", message)])
    # Two columns for one thing (手机 and 电话, a heading twice): one would silently overwrite the other.
    headings_of = {}
    for heading in headings:
        if column_of[heading]:
            headings_of.setdefault(column_of[heading], []).append(heading.strip())
    for twice in (names for names in headings_of.values() if len(names) > 1):
        message = _("The columns %(columns)s hold the same thing: keep one of them.") % {
            "columns": ", ".join(f"“{heading}”" for heading in twice)
        }
        raise ImportFailed([RowError(lines_above + 1, "", message)])
    email_heading = headings_of["email"][0]
    # Read whole before anything is registered: a file too long for one request is refused at once.
    rows = [(raw, reader.line_num) for raw in reader]
    if len(rows) > IMPORT_MAX_ROWS:
        message = _("A file brings in at most %(max)d registrations at a time (this one has %(rows)d rows): split it.")
        raise ImportFailed([RowError(lines_above + 1, "", message % {"max": IMPORT_MAX_ROWS, "rows": len(rows)})])
    tiers = {tier.name: tier for tier in event.tiers.all()} | {
        tier.name_en: tier for tier in event.tiers.all() if tier.name_en
    }
    default_tier = event.tiers.order_by("position", "id").first()
    errors, people, lines = [], [], []
    cancelled = _spellings(lambda: [RegistrationStatus.CANCELLED.label])
    first_line_of = {}  # each email's first line in the file
    for raw, line_num in rows:
        # The row's first line in the file: blank lines are skipped, and a quoted cell may span lines.
        line = lines_above + line_num - sum(len(LINE_BREAK.findall(value or "")) for value in _cells(raw))
        if None in raw:  # DictReader puts cells beyond the header under the key None
            errors.append(RowError(line, raw.get(email_heading, ""), _("This row has more cells than the header.")))
            continue
        if any((value or "").strip() for key, value in raw.items() if key is not None and key.startswith(UNHEADED)):
            message = _("This row has a cell in a column without a heading: give the column one, or empty it.")
            errors.append(RowError(line, raw.get(email_heading, ""), message))
            continue
        row = {
            column_of[key]: _undefused((value or "").replace("\x00", "").strip())
            for key, value in raw.items()
            if column_of.get(key)
        }
        if not any(row.values()):
            continue  # a row cleared in the sheet: its separators stay (",,")
        if row.pop("status", "").lower() in cancelled:
            continue  # an export brought in: who cancelled there does not come along
        email = row.get("email", "")
        first = first_line_of.setdefault(email.lower(), line)
        if email and first != line:
            errors.append(RowError(line, email, _("The same email as line %(line)s.") % {"line": first}))
            continue
        tier = tiers.get(row.get("tier", "")) if row.get("tier") else default_tier
        if tier is None:
            message = _("There is no ticket tier “%(tier)s”.") % {"tier": row.get("tier", "")}
            errors.append(RowError(line, email, message))
            continue
        try:
            people.append((tier, _details_of(row)))
        except ValidationError as error:
            errors.append(RowError(line, email, " ".join(error.messages)))
            continue
        lines.append((line, email))
    if not people and not errors:
        raise ImportFailed([RowError(lines_above + 1, "", _("The file holds no registrations below its header."))])
    created = []
    if people:
        # Each row's seat is claimed even when others are wrong, so that one report names every row to fix.
        with transaction.atomic():
            try:
                created = register_list(event=event, people=people, notify=notify)
            except ListRefused as refused:
                errors += [RowError(*lines[index], message) for index, message in refused.errors.items()]
            if errors:
                transaction.set_rollback(True)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda error: error.line))
    return created


LINE_BREAK = re.compile(r"\r\n|\r|\n")
ANSWER_MAX_LENGTH = 1000  # as on the registration form
# The whole file is claimed at once (register_list): the event's lock is held for one read per tier and the
# inserts, about 1.5 s for 10,000 rows on PostgreSQL. Reading, checking and queuing each person's ticket and email
# take the rest, about 1 ms a row: 5,000 rows answer within a web request's 30 seconds, with room to spare.
IMPORT_MAX_ROWS = 5000


def _cells(raw: dict) -> list[str]:
    cells = [value for key, value in raw.items() if key is not None]
    return cells + list(raw.get(None) or [])


def _details_of(row: dict) -> AttendeeDetails:
    """The person a row describes, checked as the registration form checks them."""
    if not row.get("name"):
        raise ValidationError(_("The name is empty."))
    try:
        validate_email(row.get("email", ""))
    except ValidationError:
        raise ValidationError(_("“%(email)s” is not an email address.") % {"email": row.get("email", "")}) from None
    try:
        phone = normalize_phone(row["phone"]) if row.get("phone") else ""
    except ValidationError as error:
        raise ValidationError(f"{capfirst(_('phone'))}: {' '.join(error.messages)}") from None
    answers = {key.removeprefix("question:"): value for key, value in row.items() if key.startswith("question:")}
    for answer in answers.values():
        if len(answer) > ANSWER_MAX_LENGTH:
            raise ValidationError(
                _("An answer has at most %(max)d characters (this one has %(length)d).")
                % {"max": ANSWER_MAX_LENGTH, "length": len(answer)}
            )
    return AttendeeDetails(
        name=row["name"],
        email=row["email"],
        answers={question: answer for question, answer in answers.items() if answer},
        phone=phone,
        company=row.get("company", ""),
        job_role=row.get("job_role", ""),
        privacy_accepted=True,
    )
