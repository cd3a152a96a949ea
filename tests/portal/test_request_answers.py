"""The request list's answers derive from one queryset kept per process
(portal.selectors._requests_answered_all): every caller reads a copy, never the kept one."""

import pytest

from portal import selectors

pytestmark = pytest.mark.django_db


def test_no_caller_reads_the_kept_queryset_itself(staff, customer, partner):
    kept = selectors._requests_answered_all()
    for user in (staff, customer, partner):  # for staff, visible_to returns its queryset as it is
        answers = selectors.request_answers(user=user)
        assert answers is not kept
        list(answers)
        list(answers.visible_to(user))
    assert kept._result_cache is None
