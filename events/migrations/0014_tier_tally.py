"""Tallies of confirmed registrations per tier, kept by triggers on the registrations table (PostgreSQL and
SQLite), and filled from the registrations there are."""

import django.db.models.deletion
from django.db import migrations, models

CONFIRMED = "confirmed"  # RegistrationStatus.CONFIRMED, as stored

POSTGRESQL = [
    f"""
    CREATE FUNCTION events_registration_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.tier_id <> NEW.tier_id THEN
            -- Both tallies in the order of their tiers: two moves in opposite directions never deadlock.
            PERFORM 1 FROM events_tiertally WHERE tier_id IN (OLD.tier_id, NEW.tier_id) ORDER BY tier_id FOR UPDATE;
        END IF;
        IF TG_OP <> 'INSERT' AND OLD.status = '{CONFIRMED}' THEN
            UPDATE events_tiertally
               SET confirmed = confirmed - 1, reserved = reserved - OLD.holds_reserved_seat::int
             WHERE tier_id = OLD.tier_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.status = '{CONFIRMED}' THEN
            INSERT INTO events_tiertally (tier_id, confirmed, reserved)
            VALUES (NEW.tier_id, 1, NEW.holds_reserved_seat::int)
            ON CONFLICT (tier_id) DO UPDATE
               SET confirmed = events_tiertally.confirmed + 1,
                   reserved = events_tiertally.reserved + EXCLUDED.reserved;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER events_registration_tally AFTER INSERT OR DELETE ON events_registration
    FOR EACH ROW EXECUTE FUNCTION events_registration_tally()
    """,
    """
    CREATE TRIGGER events_registration_tally_update
    AFTER UPDATE OF status, tier_id, holds_reserved_seat ON events_registration
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.tier_id IS DISTINCT FROM NEW.tier_id
                       OR OLD.holds_reserved_seat IS DISTINCT FROM NEW.holds_reserved_seat)
    EXECUTE FUNCTION events_registration_tally()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS events_registration_tally_update ON events_registration",
    "DROP TRIGGER IF EXISTS events_registration_tally ON events_registration",
    "DROP FUNCTION IF EXISTS events_registration_tally()",
]

_SQLITE_ADD = f"""
    INSERT INTO events_tiertally (tier_id, confirmed, reserved)
    SELECT NEW.tier_id, 1, NEW.holds_reserved_seat WHERE NEW.status = '{CONFIRMED}'
    ON CONFLICT (tier_id) DO UPDATE SET confirmed = confirmed + 1, reserved = reserved + excluded.reserved;
"""
_SQLITE_REMOVE = f"""
    UPDATE events_tiertally SET confirmed = confirmed - 1, reserved = reserved - OLD.holds_reserved_seat
     WHERE tier_id = OLD.tier_id AND OLD.status = '{CONFIRMED}';
"""
SQLITE = [
    f"CREATE TRIGGER events_registration_tally_insert AFTER INSERT ON events_registration BEGIN {_SQLITE_ADD} END",
    f"CREATE TRIGGER events_registration_tally_delete AFTER DELETE ON events_registration BEGIN {_SQLITE_REMOVE} END",
    f"""
    CREATE TRIGGER events_registration_tally_update AFTER UPDATE OF status, tier_id, holds_reserved_seat
    ON events_registration
    WHEN OLD.status IS NOT NEW.status OR OLD.tier_id IS NOT NEW.tier_id
         OR OLD.holds_reserved_seat IS NOT NEW.holds_reserved_seat
    BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS events_registration_tally_update",
    "DROP TRIGGER IF EXISTS events_registration_tally_delete",
    "DROP TRIGGER IF EXISTS events_registration_tally_insert",
]

# The triggers first: on PostgreSQL creating them locks out writers until this migration commits, so the
# registrations counted below are all there are.
FILL = f"""
INSERT INTO events_tiertally (tier_id, confirmed, reserved)
SELECT tier_id, COUNT(*), SUM(CASE WHEN holds_reserved_seat THEN 1 ELSE 0 END)
  FROM events_registration WHERE status = '{CONFIRMED}' GROUP BY tier_id
"""


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"Tier tallies need triggers written for {vendor}.")
    _run(schema_editor, [*(POSTGRESQL if vendor == "postgresql" else SQLITE), FILL])


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRESQL_REVERSE if vendor == "postgresql" else SQLITE_REVERSE)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0013_registration_email_owed"),
    ]

    operations = [
        migrations.CreateModel(
            name="TierTally",
            fields=[
                (
                    "tier",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="tally",
                        serialize=False,
                        to="events.tickettier",
                        verbose_name="tier",
                    ),
                ),
                ("confirmed", models.PositiveIntegerField(default=0)),
                ("reserved", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "seat tally", "verbose_name_plural": "seat tallies"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
