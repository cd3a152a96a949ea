"""The request wizard's drafts: one per person, kept on the server so it survives signing out and
follows the person to another browser, and the proofs it stages in private storage until the
request exists (a draft row holds text, not 10 MB files). Abandoned drafts and stray files are
swept by `relicensing.services.requests.staged_documents_sweep`."""

import datetime as dt
import uuid
from pathlib import PurePath
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from accounts.models import User
from relicensing.models import RequestDraft

# Proofs wait under drafts/<user id>/ until the request is submitted.
STAGING_DIR = "drafts"

# A draft nobody has touched for this long is abandoned: the sweep deletes it with its files. The
# wizard states the period, so a person knows how long an unfinished request waits.
DRAFT_KEPT_FOR = dt.timedelta(days=30)


def staged_paths(data: dict[str, Any]) -> list[str]:
    """The files a draft's data names."""
    documents = data.get("documents") if isinstance(data, dict) else None
    return [str(d["path"]) for d in documents or [] if isinstance(d, dict) and d.get("path")]


def request_draft_save(*, user: User, data: dict[str, Any]) -> None:
    """Write the person's draft (creating it at the first answer); touching it keeps it alive."""
    RequestDraft.objects.update_or_create(user=user, defaults={"data": data})


def request_draft_discard(*, user: User) -> None:
    """Delete the person's draft and the proofs it staged. The row goes first, so no draft is
    ever left naming a file that is gone."""
    with transaction.atomic():
        draft = RequestDraft.objects.select_for_update().filter(user=user).first()
        if draft is None:
            return
        paths = staged_paths(draft.data)
        draft.delete()
    for path in paths:
        staged_document_delete(user=user, path=path)


def staged_document_save(*, user: User, upload: Any) -> str:
    """Store a proof for the person's draft and return its path. A generated name, like the
    request documents' own: nothing typed by a person reaches a path."""
    suffix = PurePath(upload.name).suffix.lower()[:8]
    return str(default_storage.save(f"{STAGING_DIR}/{user.pk}/{uuid.uuid4().hex}{suffix}", upload))


def staged_document_delete(*, user: User, path: str) -> None:
    # Only inside the person's own staging folder, whatever a draft's data says.
    if path.startswith(f"{STAGING_DIR}/{user.pk}/") and ".." not in path:
        default_storage.delete(path)
