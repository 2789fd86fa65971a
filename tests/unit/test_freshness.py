"""The confirmation timeline, walked with a fake clock (groups.freshness is pure)."""

import datetime as dt

from groupfinder.groups.freshness import (
    Facts,
    Freshness,
    Policy,
    Step,
    confirmed_note,
    due_at,
    next_step,
    state,
)

T0 = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
P = Policy(every=dt.timedelta(days=90), gap=dt.timedelta(days=14), grace=dt.timedelta(days=30))


def day(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_nothing_is_due_before_n_days():
    facts = Facts(confirmed_at=T0)
    assert next_step(facts, day(89.9), P) is None
    assert state(facts, day(89.9), P) is Freshness.current
    assert next_step(facts, day(90), P) is Step.first_reminder
    assert state(facts, day(90), P) is Freshness.due


def test_the_whole_timeline_one_step_at_a_time():
    f = Facts(confirmed_at=T0, reminders_sent=1, last_reminded_at=day(90))
    assert next_step(f, day(103.9), P) is None
    assert next_step(f, day(104), P) is Step.second_reminder
    f = Facts(confirmed_at=T0, reminders_sent=2, last_reminded_at=day(104))
    assert next_step(f, day(117.9), P) is None
    assert next_step(f, day(118), P) is Step.mark_out_of_date
    f = Facts(confirmed_at=T0, reminders_sent=2, last_reminded_at=day(104), out_of_date_since=day(118))
    assert state(f, day(120), P) is Freshness.out_of_date
    assert next_step(f, day(147.9), P) is None
    assert next_step(f, day(148), P) is Step.hide
    f = Facts(confirmed_at=T0, reminders_sent=2, last_reminded_at=day(104), out_of_date_since=day(118),
              hidden_since=day(148))
    assert state(f, day(400), P) is Freshness.hidden
    assert next_step(f, day(400), P) is None  # nothing more, ever: nothing is deleted


def test_a_worker_that_was_down_sends_the_first_reminder_first():
    """Never hidden without two reminders and the grace period in between."""
    assert next_step(Facts(confirmed_at=T0), day(500), P) is Step.first_reminder
    f = Facts(confirmed_at=T0, reminders_sent=1, last_reminded_at=day(500))
    assert next_step(f, day(500), P) is None


def test_a_request_makes_it_due_at_once():
    f = Facts(confirmed_at=T0, requested_at=day(10))
    assert due_at(f, P) == day(10)
    assert next_step(f, day(10), P) is Step.first_reminder
    assert next_step(Facts(confirmed_at=T0, requested_at=day(200)), day(95), P) is Step.first_reminder


def test_policy_from_settings():
    p = Policy.from_config({"CONFIRM_EVERY_DAYS": 30, "CONFIRM_REMINDER_GAP_DAYS": 7,
                            "CONFIRM_GRACE_DAYS": 10})
    assert (p.every, p.gap, p.grace) == (dt.timedelta(days=30), dt.timedelta(days=7),
                                         dt.timedelta(days=10))
    assert p.link_lifetime >= 2 * p.gap + p.grace


def test_the_public_sentence():
    class Listing:
        confirmed_at = dt.datetime(2026, 3, 5, 23, tzinfo=dt.UTC)
        out_of_date_since = None

    assert confirmed_note(Listing()) == "Details confirmed on 5 March 2026."
    Listing.out_of_date_since = day(100)
    assert confirmed_note(Listing()).startswith("May be out of date: last confirmed on 5 March 2026.")
