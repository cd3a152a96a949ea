"""How an error answer repeats a value someone sent: its first few characters, never the whole of it.

A refused value can be as long as the input allows (a 1,000-character spreadsheet cell, a JSON
string of any length); repeated whole, it makes the answer, the job page and the error report as
large as the attack. Every echo of a user-supplied bad value goes through `value_echo`."""

ECHO_CHARS = 40  # enough to recognise a serial, a model or a vendor's slug; longer is never needed


def value_echo(value: object, *, limit: int = ECHO_CHARS) -> str:
    """The value's first `limit` characters, with "…" when it was longer."""
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}…"
