"""The request wizard's draft as its pages use it: the person's own draft, kept on the server
(relicensing.models.RequestDraft) so it survives leaving the page, signing out and changing
browsers, and the proofs it stages in private storage until the request exists."""

from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import HttpRequest

from accounts.models import User
from relicensing.models import RequestDraft
from relicensing.services.drafts import (
    request_draft_discard,
    request_draft_save,
    staged_document_delete,
    staged_document_save,
)

# Where drafts lived before they were kept on the server; one found there is moved over once.
SESSION_KEY = "request_draft"

# Answers that make a draft worth keeping; merely opening the wizard stores nothing.
ANSWERS = ("customer", "equipment", "site", "date", "documents")


class Draft:
    """Keys: customer (id), equipment (registration ids), site (dict), date (ISO), documents
    (staged files), step (the step last shown, where a returning person resumes), flash (an
    error sent back to a step by the final submit)."""

    def __init__(self, request: HttpRequest) -> None:
        self.user: User = request.user  # type: ignore[assignment]
        # Always the signed-in person's own row: nobody can name another person's draft.
        stored = RequestDraft.objects.filter(user=self.user).values_list("data", flat=True).first()
        self._stored = stored is not None
        self.data: dict[str, Any] = dict(stored or {})
        self._adopt_session_draft(request)
        # A proof whose file is gone (swept with an abandoned draft) cannot be submitted; the
        # documents step then simply asks for it again.
        self.data["documents"] = [d for d in self.documents if default_storage.exists(d["path"])]

    def _adopt_session_draft(self, request: HttpRequest) -> None:
        old = request.session.pop(SESSION_KEY, None)
        if not self._stored and isinstance(old, dict) and old.get("user") == self.user.pk:
            self.update(**{key: value for key, value in old.items() if key != "user"})

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def update(self, **values: Any) -> None:
        self.data.update(values)
        if self._stored or self.started:
            request_draft_save(user=self.user, data=self.data)
            self._stored = True

    @property
    def started(self) -> bool:
        return any(self.data.get(key) for key in ANSWERS)

    # --- an error for a step, shown once --------------------------------------
    def flash(self, step: str, message: str) -> None:
        self.update(flash={"step": step, "message": message})

    def pop_flash(self, step: str) -> str:
        flash = self.data.get("flash") or {}
        if flash.get("step") != step:
            return ""
        self.update(flash=None)
        return str(flash.get("message", ""))

    # --- staged documents ---------------------------------------------------------
    @property
    def documents(self) -> list[dict[str, Any]]:
        return list(self.data.get("documents") or [])

    def stage(self, kind: str, upload: Any) -> None:
        path = staged_document_save(user=self.user, upload=upload)
        document = {"kind": kind, "name": upload.name[:255], "path": path, "size": upload.size}
        self.update(documents=[*self.documents, document])

    def unstage(self, index: int) -> None:
        documents = self.documents
        if 0 <= index < len(documents):
            removed = documents.pop(index)
            self.update(documents=documents)  # the draft stops naming the file before it goes
            staged_document_delete(user=self.user, path=removed["path"])

    def open(self, document: dict[str, Any]) -> File:
        return File(default_storage.open(document["path"], "rb"), name=document["name"])

    def discard(self) -> None:
        request_draft_discard(user=self.user)
        self.data, self._stored = {}, False
