"""The system check: an event without its subject, text or HTML template stops the deploy."""

from django.db import models

from notices import checks


def test_every_event_has_its_three_templates():
    assert checks.notice_templates_present() == []


def test_an_event_missing_a_template_is_an_error(monkeypatch):
    class Events(models.TextChoices):
        QUOTE_ISSUED = "quote_issued", "Quote issued"
        FORGOTTEN = "forgotten_event", "An event somebody added without templates"

    monkeypatch.setattr(checks, "NoticeEvent", Events)
    errors = checks.notice_templates_present()
    assert [e.id for e in errors] == ["notices.E001"] * 3
    assert {e.msg.rsplit(" ", 1)[-1] for e in errors} == {
        "notices/forgotten_event/subject.txt.",
        "notices/forgotten_event/body.txt.",
        "notices/forgotten_event/body.html.",
    }
