"""The ASGI app of `trinn serve`: a public form's page, its submission, and /health.

A visit answers 404, the same page whatever the reason, unless its link is
genuine (signed by the key, for this case and form, unexpired) and the form is
still waiting (its task open, in the visit to the state the link was made for):
a visitor learns nothing from a wrong link. A link signed for one item of a
form filled per item (engine.links) shows and fills that item's record only:
the item comes from the signed token, never from the request. A submission is checked, field by
field, with the engine's one value normaliser (engine.values), and then goes
through `Service.submit_form` with the link's claim, the one command path
every interface uses; the service re-checks all of it inside its transaction,
so two submissions racing record one. The engine's words (a field's problem)
are said in the process's one language: the server sets the playbook's for
the time a submission is checked and written, under a lock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from trinn.engine import i18n as engine_i18n
from trinn.engine.errors import CaseNotFoundError, CommandError, TrinnError
from trinn.engine.field_types import FieldType
from trinn.engine.files import Upload, stored_file
from trinn.engine.links import FormLinks, LinkClaim, LinkError, linked_task
from trinn.engine.values import ValueProblem, check_value
from trinn.tui.web.guard import BodyTooLarge, Guard, RateLimiter, read_body
from trinn.tui.web.multipart import read_multipart
from trinn.tui.web.pages import HERE, form_page, notice_page
from trinn.tui.web.texts import texts

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp

    from trinn.engine.case import Case
    from trinn.engine.service import Service
    from trinn.engine.spec import PlaybookSpec

__all__ = ["ServeOptions", "build_app"]

log = logging.getLogger("trinn.serve")
CSRF_COOKIE = "trinn_csrf"
CSRF_FIELD = "_csrf"
_MAX_FIELDS = 1_000  # name=value pairs in one submission (a form has far fewer)
_URLENCODED = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"  # a form with a file field (tui.web.multipart)


@dataclass(frozen=True)
class ServeOptions:
    language: str = "en"  # of the pages that belong to no playbook (not found, too many requests)
    max_body: int = 1024 * 1024  # bytes of a submission: a long text of 100,000 characters fits
    rate_limit: int = 60  # requests per minute from one address
    secure_cookies: bool = True  # the CSRF cookie only over HTTPS (off for plain-HTTP tests)


class _Refused(Exception):
    """A request answered with one of the notices, and nothing written; in the server's
    language unless `language` is given."""

    def __init__(self, status: int, title: str, text: str, language: str | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.text, self.language = status, title, text, language


_NOT_FOUND = (404, "gone_title", "gone")
_BAD = (400, "bad_title", "bad")
_CSRF = (403, "csrf_title", "csrf")


class _Forms:
    """The endpoints, over one service and one key."""

    def __init__(
        self,
        service: Service,
        links: FormLinks,
        options: ServeOptions,
        deliver: Callable[[], None] | None,
    ) -> None:
        self.service, self.links, self.options, self.deliver = service, links, options, deliver
        self._language_lock = threading.Lock()  # the engine speaks one language at a time
        self._csrf_key = links.derived_key("csrf")

    # helpers ------------------------------------------------------------------------

    def claim(self, request: Request) -> LinkClaim:
        token = request.query_params.get("k", "")
        case_id = int(request.path_params["case_id"])
        try:
            return self.links.read(token, case_id, request.path_params["form"], self.service.clock())
        except LinkError:
            raise _Refused(*_NOT_FOUND) from None

    def waiting_case(self, claim: LinkClaim) -> tuple[Case, PlaybookSpec, dict[str, Any]]:
        """The case whose form the link opens, if the form still waits for its answers (for
        the link's item), and what the form holds now: the case's fields, or the item's record."""
        try:
            case, compiled, _children = self.service.queries.load(claim.case_id)
        except CaseNotFoundError:
            raise _Refused(*_NOT_FOUND) from None
        try:
            record = linked_task(compiled.spec, case, claim)
        except LinkError:
            # a genuine link (signed by our key, for this case and form) that is spent: the
            # same page, in its playbook's words; a wrong link learns nothing of the case
            raise _Refused(*_NOT_FOUND, language=compiled.spec.language) from None
        held = (record.answers or {}) if record.item is not None else case.fields
        return case, compiled.spec, {name: held.get(name) for name in compiled.spec.forms[claim.form].fields}

    def csrf_token(self, cookie: str, claim: LinkClaim) -> str:
        message = json.dumps([cookie, claim.case_id, claim.form, claim.item]).encode()
        return hmac.new(self._csrf_key, message, hashlib.sha256).hexdigest()

    def action(self, claim: LinkClaim, request: Request) -> str:
        return f"{self.links.path(claim.case_id, claim.form)}?k={quote(request.query_params.get('k', ''))}"

    def page(
        self,
        request: Request,
        claim: LinkClaim,
        case: Case,
        spec: PlaybookSpec,
        *,
        values: dict[str, Any],
        errors: dict[str, str] | None = None,
        problem: str | None = None,
        status: int = 200,
    ) -> Response:
        from starlette.responses import HTMLResponse

        cookie = request.cookies.get(CSRF_COOKIE, "")
        fresh = len(cookie) != 43  # token_urlsafe(32): anything else was not made here
        if fresh:
            cookie = secrets.token_urlsafe(32)
        html = form_page(
            spec,
            claim.form,
            subject=case.subject,
            item=claim.item,
            values=values,
            errors=errors or {},
            problem=problem,
            csrf=self.csrf_token(cookie, claim),
            action=self.action(claim, request),
        )
        response = HTMLResponse(html, status_code=status)
        if fresh:
            response.set_cookie(
                CSRF_COOKIE,
                cookie,
                path="/f/",
                httponly=True,
                samesite="strict",
                secure=self.options.secure_cookies,
            )
        return response

    # endpoints ----------------------------------------------------------------------

    async def show(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        claim = self.claim(request)
        case, spec, held = await run_in_threadpool(self.waiting_case, claim)
        return self.page(request, claim, case, spec, values=held)

    async def submit(self, request: Request) -> Response:
        from starlette.background import BackgroundTask
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import RedirectResponse

        claim = self.claim(request)
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip()
        if media not in (_URLENCODED, _MULTIPART):
            raise _Refused(*_BAD)
        limit = self.options.max_body
        if media == _MULTIPART:  # room for the form's files, each within the playbook's file_bytes
            _case, spec, _held = await run_in_threadpool(self.waiting_case, claim)
            limit += sum(
                spec.limits.caps.file_bytes for f in spec.forms[claim.form].fields if _is_file(spec, f)
            )
        try:
            body = await read_body(request.receive, limit)
        except BodyTooLarge:
            raise _Refused(413, "too_large_title", "too_large") from None
        files: dict[str, Upload] = {}
        try:
            if media == _MULTIPART:
                pairs, files = read_multipart(body, content_type, _MAX_FIELDS)
            else:
                pairs = parse_qsl(
                    body.decode("utf-8"),
                    keep_blank_values=True,
                    strict_parsing=False,
                    max_num_fields=_MAX_FIELDS,
                    errors="strict",
                )
        except (UnicodeDecodeError, ValueError):  # BadMultipart too
            raise _Refused(*_BAD) from None
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = [v for k, v in pairs if k == CSRF_FIELD]
        if not cookie or len(sent) != 1 or not hmac.compare_digest(sent[0], self.csrf_token(cookie, claim)):
            raise _Refused(*_CSRF)
        case, spec, _held = await run_in_threadpool(self.waiting_case, claim)
        answers = self.answers(spec, claim.form, [(k, v) for k, v in pairs if k != CSRF_FIELD], files)
        outcome = await run_in_threadpool(self.send, claim, spec, answers)
        if outcome is not None:
            errors, problem = outcome
            return self.page(
                request, claim, case, spec, values=answers, errors=errors, problem=problem, status=422
            )
        # what the submission queued (the receipt, the alert) leaves once the visitor is answered
        after = BackgroundTask(self.deliver) if self.deliver is not None else None
        return RedirectResponse(f"/f/sent?lang={spec.language}", status_code=303, background=after)

    @staticmethod
    def answers(
        spec: PlaybookSpec, form_id: str, pairs: list[tuple[str, str]], files: dict[str, Upload]
    ) -> dict[str, Any]:
        """The form's answers from the posted pairs: lists from checkboxes and lines, None for
        an empty answer, the files sent for file fields (a file field sent none keeps what it
        holds); any other name, text for a file field, or a one-answer field sent twice, is
        refused."""
        names = spec.forms[form_id].fields
        if any(name not in names or not _is_file(spec, name) for name in files):
            raise _Refused(*_BAD)
        answers: dict[str, Any] = dict(files)
        for name, value in pairs:
            if name not in names or _is_file(spec, name):
                raise _Refused(*_BAD)
            kind = spec.fields[name].type
            if kind is FieldType.multi_choice:
                answers.setdefault(name, []).append(value)
            elif name in answers:
                raise _Refused(*_BAD)
            elif kind in (FieldType.text_list, FieldType.email_list, FieldType.person_list):
                answers[name] = [line.strip() for line in value.splitlines() if line.strip()]
            elif kind is FieldType.bool:
                answers[name] = {"yes": True, "no": False}.get(value, value or None)
            else:
                answers[name] = value if value.strip() else None
        for name in names:  # an unticked box and an unchosen radio send nothing
            if name not in answers and not _is_file(spec, name):
                answers[name] = [] if spec.fields[name].type is FieldType.multi_choice else None
        return answers

    def send(
        self, claim: LinkClaim, spec: PlaybookSpec, answers: dict[str, Any]
    ) -> tuple[dict[str, str], str | None] | None:
        """Check the answers and submit them; the problems to show, or None once recorded."""
        with self._language_lock:
            engine_i18n.set_language(spec.language)
            errors: dict[str, str] = {}
            for name, value in answers.items():
                field_spec = spec.fields[name]
                if value is None or value == []:
                    if field_spec.required:
                        errors[name] = texts(spec.language)["missing"]
                    continue
                problem = (
                    _file_problem(spec, name, value)
                    if isinstance(value, Upload)
                    else check_value(field_spec, value)
                )
                if problem is not None:
                    errors[name] = str(problem)
            if errors:
                return errors, None
            try:
                self.service.submit_form(
                    claim.case_id, claim.form, answers, actor="web", note=None, link=claim
                )
            except (LinkError, CaseNotFoundError):
                raise _Refused(*_NOT_FOUND, language=spec.language) from None
            except CommandError as exc:
                # said at the form's fields it names; the engine's words never reach an outsider
                # (they may name what the case holds beyond the form)
                named = {
                    n: p or texts(spec.language)["missing"] for n, p in exc.fields.items() if n in answers
                }
                return named, None if named else texts(spec.language)["refused"]
        return None


def _is_file(spec: PlaybookSpec, name: str) -> bool:
    return name in spec.fields and spec.fields[name].type is FieldType.file


def _file_problem(spec: PlaybookSpec, name: str, upload: Upload) -> ValueProblem | None:
    """Why the file sent for `name` is refused (empty, too large, a kind it does not take)."""
    try:
        stored_file(upload, spec.limits.caps, spec.fields[name].accept)
    except ValueProblem as problem:
        return problem
    return None


def build_app(
    service: Service,
    links: FormLinks,
    options: ServeOptions | None = None,
    deliver: Callable[[], None] | None = None,
) -> ASGIApp:
    """The app: the public forms of `service`'s cases, opened by the links `links` signs.

    `deliver` (tui.web.delivery.outbox_sender) sends what a submission queued, after the
    answer; without it the messages wait in the outbox for `trinn send`."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    options = options or ServeOptions()
    forms = _Forms(service, links, options, deliver)
    css = (HERE / "static" / "trinn.css").read_bytes()

    def notice(language: str, status: int, title: str, text: str) -> Response:
        return HTMLResponse(notice_page(language, title, text), status_code=status)

    async def form(request: Request) -> Response:
        try:
            if request.method == "POST":
                return await forms.submit(request)
            return await forms.show(request)
        except _Refused as refused:
            language = refused.language or options.language
            return notice(language, refused.status, refused.title, refused.text)

    async def sent(request: Request) -> Response:
        return notice(request.query_params.get("lang", options.language), 200, "thanks_title", "thanks")

    async def style(request: Request) -> Response:
        return Response(css, media_type="text/css", headers={"cache-control": "public, max-age=3600"})

    async def health(request: Request) -> Response:
        try:
            service.queries.reachable()
        except TrinnError:
            return PlainTextResponse("database unavailable\n", status_code=503)
        return PlainTextResponse("ok\n")

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            return PlainTextResponse("method not allowed\n", status_code=405)
        return notice(options.language, *_NOT_FOUND)

    async def crashed(request: Request, exc: Exception) -> Response:
        # the traceback to the server's log, never to the visitor
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return notice(options.language, 500, "error_title", "error")

    app = Starlette(
        routes=[
            Route("/f/sent", sent, methods=["GET"]),
            Route("/f/{case_id:int}/{form}", form, methods=["GET", "POST"]),
            Route("/static/trinn.css", style, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ],
        exception_handlers={404: not_found, 405: not_found, Exception: crashed},
    )

    def refuse(scope: Any, status: int) -> ASGIApp:
        response = notice(options.language, status, "too_many_title", "too_many")
        response.headers["retry-after"] = "60"
        return response

    return Guard(app, limiter=RateLimiter(options.rate_limit), refuse=refuse)
