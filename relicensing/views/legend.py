"""The legend under a table of results: each path and reason on the page, explained once."""

from collections.abc import Iterable

from relicensing.eligibility import PATHS, REASONS


def legend(results: Iterable[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """`results` are (path, reasons) pairs; codes come back in the rules' own order."""
    paths: set[str] = set()
    reasons: set[str] = set()
    for path, codes in results:
        paths.add(path)
        reasons.update(codes)
    return {
        "path_codes": [code for code in PATHS if code in paths],
        "reason_codes": [code for code in REASONS if code in reasons],
    }
