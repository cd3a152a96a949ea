"""The request wizard's draft: what a person chose so far, kept in their session so leaving the
page loses nothing, and the proofs they attached, staged in private storage until the request
exists (a session holds text, not 10 MB files)."""

import uuid
from pathlib import PurePath
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import HttpRequest

from relicensing.services.requests import STAGING_DIR

DRAFT_KEY = "request_draft"


class Draft:
    """Keys: customer (id), equipment (registration ids), site (dict), date (ISO), documents
    (staged files), step (the step last shown, where a returning person resumes), flash (an
    error sent back to a step by the final submit)."""

    def __init__(self, request: HttpRequest) -> None:
        self._session = request.session
        self._user_id = request.user.pk
        data = self._session.get(DRAFT_KEY) or {}
        # A draft belongs to whoever started it; another user in the same browser starts afresh.
        self.data: dict[str, Any] = data if data.get("user") == self._user_id else {"user": self._user_id}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def update(self, **values: Any) -> None:
        self.data.update(values)
        self._session[DRAFT_KEY] = self.data

    @property
    def started(self) -> bool:
        return any(self.data.get(key) for key in ("customer", "equipment", "site", "date", "documents"))

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
        # A generated name, like the documents' own: nothing typed by a person reaches a path.
        suffix = PurePath(upload.name).suffix.lower()[:8]
        path = default_storage.save(f"{STAGING_DIR}/{self._user_id}/{uuid.uuid4().hex}{suffix}", upload)
        document = {"kind": kind, "name": upload.name[:255], "path": path, "size": upload.size}
        self.update(documents=[*self.documents, document])

    def unstage(self, index: int) -> None:
        documents = self.documents
        if 0 <= index < len(documents):
            default_storage.delete(documents.pop(index)["path"])
            self.update(documents=documents)

    def open(self, document: dict[str, Any]) -> File:
        return File(default_storage.open(document["path"], "rb"), name=document["name"])

    def discard(self) -> None:
        for document in self.documents:
            default_storage.delete(document["path"])
        self._session.pop(DRAFT_KEY, None)
        self.data = {"user": self._user_id}
