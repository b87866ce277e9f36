"""The machinery of the hostile-input run (tests/hub_tests/test_hostile_input.py).

A crawler signs in as a role, follows the links of our pages (one page per URL name), and
reads every <form> with html.parser; hypothesis then fills each form with malformed and
oversized values (huge strings, NUL bytes, unicode, bad numbers and dates, unknown choices,
repeated and missing fields, random and oversized files) and sends it with a valid CSRF
token. Every answer is checked: no 500; an answer that refuses the input (400, or the form
shown again with errors) wrote nothing; and it says so in French.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import strategies as st

OUR_APPS = {"network", "sessions", "lms", "certificates", "groups", "hub"}
# Rows these write while answering a refused form are not the form's input: the audit log
# records reads of children's records.
NOT_COUNTED = {("network", "AuditEntry")}
# Pages whose forms end the test's own session or destroy what the run needs; their
# confirmations are plain buttons (covered by each app's tests).
NOT_FUZZED = {
    "logout",
    "network_members:deactivate",
    "network_privacy_erase",
    "sessions:revoke_feed",
    "sessions:rotate_feed",
}
NOT_FUZZED_SUFFIXES = (":delete",)
ERROR_MARKERS = re.compile(
    r'role="alert"|class="[^"]*\b(?:errors?|error-message|form-errors|field-error|'
    r"w-field--error|help-critical|error-summary)\b"
)
TEMPLATES = re.compile(r"<template\b.*?</template>", re.DOTALL)  # inert until a script uses them
SERVE_PAGES = 3  # Wagtail pages crawled per role (the home page, the catalogue, a module)
# Views of Wagtail's viewsets that show no form: crawled only in the full run.
WITHOUT_FORMS = (
    ":history",
    ":history_results",
    ":usage",
    ":index_results",
    ":list_results",
    ":export",
    ":zip",
    ":status",
    ":progress",
    ":failed_rows",
    ":inspect",
)
PAGES_PER_ROLE = 250


# --- reading pages ------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    checked: bool = False


@dataclass
class Form:
    page: str  # where it was found
    action: str
    method: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return (url_key(self.action), self.method, tuple(sorted({f.name for f in self.fields})))

    @property
    def token(self) -> str:
        return next((f.value for f in self.fields if f.name == "csrfmiddlewaretoken"), "")

    @property
    def fuzzable(self) -> list[Field]:
        return [f for f in self.fields if f.name != "csrfmiddlewaretoken" and f.kind != "submit"]


class PageParser(HTMLParser):
    """Forms (with their fields), links and the page's language, as a browser would see them."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self.lang = ""
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._option: str | None = None
        self._template_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "template":  # Wagtail's empty inline forms: not sent by a browser
            self._template_depth += 1
        if self._template_depth:
            return
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            self._form = Form(
                page=self.url,
                action=urljoin(self.url, a.get("action") or self.url),
                method=(a.get("method") or "get").lower(),
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            self._form.fields.append(
                Field(a["name"], kind, a.get("value", ""), checked="checked" in a)
            )
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = a.get("value")
            if self._option is not None:
                self._select.options.append(self._option)
            if "selected" in a and self._option is not None:
                self._select.value = self._option
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "template" and self._template_depth:
            self._template_depth -= 1
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._select is not None and self._option is None and data.strip():
            # <option>text</option> without a value attribute sends its text
            self._select.options.append(data.strip())


def parse(url: str, html: str) -> PageParser:
    parser = PageParser(url)
    parser.feed(html)
    return parser


def url_key(url: str) -> str:
    """The URL name of a path (Wagtail pages: the path itself), or "" when it is not ours."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    name = match.view_name
    if name == "wagtail_serve":
        return "page:" + path
    return name


def ours(name: str, our_names: set[str]) -> bool:
    if not name:
        return False
    if name.startswith("page:"):
        return "wagtail_serve" in our_names
    return name in our_names or name.split(":")[0] in our_names


# --- crawling -------------------------------------------------------------------------------


def crawl(
    client: Client,
    starts: list[str],
    our_names: set[str],
    *,
    full: bool = False,
    signed_in: bool = True,
    failures: list[str] | None = None,
) -> tuple[list[Form], list[str]]:
    """GET the start pages and, breadth first, one page per URL name linked from them;
    return the forms found and the pages visited. What a signed-in person is shown must not
    be kept by a cache: each page's Cache-Control is checked on the way (into `failures`)."""
    seen: set[str] = set()
    queue = list(starts)
    forms: list[Form] = []
    visited: list[str] = []
    pages = served = 0
    while queue and pages < PAGES_PER_ROLE:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "testserver":
            continue
        name = url_key(url)
        key = name
        if key in seen or not ours(name, our_names) or skipped(name):
            continue
        if not full and name.endswith(WITHOUT_FORMS) and url not in starts:
            continue
        if name.startswith("page:"):
            if served >= SERVE_PAGES:
                continue
            served += 1
        seen.add(key)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        pages += 1
        visited.append(url)
        reset_language(client)
        problem = caching_problem(name, response, signed_in=signed_in)
        if problem and failures is not None:
            failures.append(f"GET {url}: {problem}")
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = parse("http://testserver" + parts.path, response.content.decode())
        forms.extend(page.forms)
        queue.extend(page.links)
    return forms, visited


# Views that decide their own caching, and what they must send.
FEEDS = {"sessions:personal_feed", "sessions:series_feed", "sessions:session_ics"}
PUBLIC = {
    "certificates:issuer",
    "certificates:jwks",
    "certificates:key",
    "certificates:status_list",
    "certificates:achievement",
}


def caching_problem(name: str, response: HttpResponse, *, signed_in: bool) -> str:
    """What is wrong with a response's Cache-Control, or "" (see hub.middleware)."""
    cache = response.get("Cache-Control", "")
    directives = {part.strip() for part in cache.split(",")}
    if name in FEEDS and response.status_code == 200:
        if directives != {"private", "no-cache"} or not response.get("ETag"):
            return f"a feed sends Cache-Control {cache!r}, ETag {response.get('ETag')!r}"
        return ""
    if name in PUBLIC:
        return "" if "public" in directives else f"public document with {cache!r}"
    if signed_in and "no-store" not in directives:
        return f"shown to a signed-in person with Cache-Control {cache!r}"
    return ""


def skipped(name: str) -> bool:
    return name in NOT_FUZZED or name.endswith(NOT_FUZZED_SUFFIXES)


def reset_language(client: Client) -> None:
    """A fuzzed language switch must not turn the next pages into English."""
    client.cookies.pop("maillage_language", None)


# --- values ---------------------------------------------------------------------------------

HUGE = 200_000
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
NASTY_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "=1+1",
        "+32 4 000 00 00",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../etc/passwd",
        "{{ 7*7 }}",
        "%s%s%s%n",
        "\u202etxt.exe",
        "ééé\u0301\u0301",
        "🙂" * 50,
        "\r\n\r\n",
        "null",
        "[]",
        '{"a": 1}',
    ]
)
NUMBERS = st.sampled_from(
    ["-1", "0", "-0", "1e400", "NaN", "inf", "3.5", "1,5", "99999999999999999999999", "0x10"]
)
DATES = st.sampled_from(
    [
        "31/02/2024",
        "2024-02-30",
        "0000-00-00",
        "9999-12-31",
        "01/01/0001",
        "32/13/2024",
        "2024-01-01T25:61",
        "25:61",
        "24:00",
        "-1",
        "31/12/99999",
        "2026-03-29 02:30",
    ]
)
LONG = st.sampled_from([300, 5_000, HUGE]).map(lambda n: "A" * n)
HOSTILE_TEXT = st.one_of(NASTY_STRINGS, NUMBERS, DATES, LONG, TEXT)
CHOICES_WRONG = st.sampled_from(["999999999999", "-1", "abc", "", "0", "1; DROP TABLE x"])


def file_values(name: str) -> st.SearchStrategy:
    def upload(content: bytes, filename: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(filename, content, content_type="application/octet-stream")

    names = st.sampled_from(
        [
            "donnees.csv",
            "donnees.xlsx",
            "scan.pdf",
            "../../x.csv",
            "a\x00.csv",
            "x" * 300,
            "sans-extension",
        ]
    )
    contents = st.one_of(
        st.binary(max_size=200),
        st.just(b""),
        st.just(b"%PDF-1.4\n" + b"\x00" * 100),
        st.just(b"PK\x03\x04" + b"\x00" * 100),  # a broken zip (XLSX)
        st.just("Nom;Prénom;E-mail\n".encode("cp1252") + b"x;y;z\n" * 50),
        st.just(b"A" * (HUGE * 2)),
    )
    return st.one_of(st.none(), st.builds(upload, contents, names))


@st.composite
def form_values(draw, form: Form) -> tuple[list[tuple[str, Any]], dict[str, Any]]:
    """(fields, files) for one hostile submission of `form`; the CSRF token stays valid."""
    data: list[tuple[str, Any]] = [("csrfmiddlewaretoken", form.token)] if form.token else []
    files: dict[str, Any] = {}
    for f in form.fuzzable:
        mode = draw(st.sampled_from(["keep", "hostile", "hostile", "missing", "repeat"]))
        if f.kind == "hidden" and mode == "hostile" and draw(st.booleans()):
            mode = "keep"  # management forms: mostly left alone, sometimes tampered with
        if f.kind == "file":
            upload = draw(file_values(f.name))
            if upload is not None and mode != "missing":
                files[f.name] = upload
            continue
        if mode == "missing":
            continue
        if f.kind in ("checkbox", "radio"):
            if mode == "keep":
                if f.checked:
                    data.append((f.name, f.value or "on"))
            elif mode == "hostile":
                data.append((f.name, draw(st.one_of(st.just(f.value or "on"), HOSTILE_TEXT))))
            else:
                data.extend((f.name, draw(HOSTILE_TEXT)) for _ in range(2))
            continue
        if f.kind == "select":
            valid = [o for o in f.options if o]
            good = st.sampled_from(valid) if valid else st.just("")
            if mode == "keep":
                value = f.value if f.value else draw(good)
                data.append((f.name, value))
            elif mode == "hostile":
                data.append((f.name, draw(st.one_of(CHOICES_WRONG, HOSTILE_TEXT))))
            else:
                data.extend((f.name, draw(st.one_of(good, CHOICES_WRONG))) for _ in range(3))
            continue
        if mode == "keep":
            data.append((f.name, f.value))
        elif mode == "hostile":
            if f.kind in ("number", "range"):
                value = draw(st.one_of(NUMBERS, HOSTILE_TEXT))
            elif f.kind in ("date", "time", "datetime-local", "month", "week"):
                value = draw(st.one_of(DATES, HOSTILE_TEXT))
            else:
                value = draw(HOSTILE_TEXT)
            data.append((f.name, value))
        else:
            data.extend((f.name, draw(HOSTILE_TEXT)) for _ in range(2))
    if draw(st.integers(0, 4)) == 0:
        data.append((draw(st.sampled_from(["id", "pk", "user", "is_superuser", "x"])), "1"))
    return data, files


# --- checking -------------------------------------------------------------------------------


def our_tables() -> list[str]:
    tables = []
    for config in apps.get_app_configs():
        if config.name not in OUR_APPS:
            continue
        for model in config.get_models():
            if (config.name, model.__name__) in NOT_COUNTED or model._meta.proxy:
                continue
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def row_counts(tables: list[str]) -> dict[str, int]:
    """Every table of our apps and its row count, in one query."""
    quote_name = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT '{table}', COUNT(*) FROM {quote_name(table)}"  # noqa: S608 (our table names)
        for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def edited_row(url: str) -> tuple[Any, Any] | None:
    """The row an admin edit view changes (its model and primary key), if any."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    model = getattr(match.func, "view_initkwargs", {}).get("model")
    pk = match.kwargs.get("pk")
    if model is None or pk is None:
        return None
    return model, pk


def snapshot(row: tuple[Any, Any] | None) -> list[dict]:
    if row is None:
        return []
    model, pk = row
    return list(model.objects.filter(pk=pk).values())


def is_html(response: HttpResponse) -> bool:
    return "text/html" in response.get("Content-Type", "")


def refused(method: str, response: HttpResponse) -> bool:
    """The input was turned down: 400, or (POST) the form shown again with its errors."""
    if response.status_code == 400:
        return True
    return (
        method == "post"
        and response.status_code == 200
        and is_html(response)
        and shows_error(response)
    )


def shows_error(response: HttpResponse) -> bool:
    """An error message on the page (Wagtail's hidden message templates do not count)."""
    html = TEMPLATES.sub("", response.content.decode(errors="replace"))
    return ERROR_MARKERS.search(html) is not None


@dataclass
class Run:
    """What was sent and what went wrong, for the report."""

    tables: list[str]
    sent: int = 0
    refusals: int = 0
    failures: list[str] = field(default_factory=list)
    per_form: dict[str, int] = field(default_factory=dict)

    def send(
        self,
        client: Client,
        method: str,
        url: str,
        data: list[tuple[str, Any]] | None = None,
        files: dict[str, Any] | None = None,
        label: str = "",
    ) -> HttpResponse | None:
        parts = urlsplit(url)
        path = parts.path
        row = edited_row(url) if method == "post" else None
        before_rows, before_row = (
            (row_counts(self.tables), snapshot(row)) if method == "post" else ({}, [])
        )
        try:
            if method == "post":
                payload: dict[str, Any] = {}
                for name, value in data or []:
                    payload.setdefault(name, []).append(value)
                payload.update(files or {})
                query = f"?{parts.query}" if parts.query else ""
                response = client.post(path + query, payload)
            else:
                query = parse_qsl(parts.query, keep_blank_values=True) + list(data or [])
                response = client.get(path, query)
        except Exception:  # what the server would answer with a 500
            self.failures.append(
                f"{method.upper()} {url} [{label}] raised:\n{traceback.format_exc()}"
            )
            return None
        finally:
            self.sent += 1
            self.per_form[label] = self.per_form.get(label, 0) + 1
            reset_language(client)
        what = f"{method.upper()} {url} [{label}] {summary(data, files)}"
        if response.status_code >= 500:
            detail = ""
            if getattr(response, "exc_info", None):
                detail = short_traceback(response.exc_info[1])
            self.failures.append(f"{what} -> {response.status_code}\n{detail}")
            return response
        redirect_or_not_allowed = response.status_code in (301, 302, 303, 304, 307, 308, 405)
        if (
            is_html(response)
            and response.status_code != 200
            and not redirect_or_not_allowed
            and not french(response)
        ):
            self.failures.append(f"{what} -> {response.status_code} not in French")
        if refused(method, response):
            self.refusals += 1
            if is_html(response) and not french(response):
                self.failures.append(f"{what} -> refused, but the page is not in French")
            if is_html(response) and not shows_error(response):
                self.failures.append(f"{what} -> refused without an error message")
            if method == "post":
                after_rows, after_row = row_counts(self.tables), snapshot(row)
                changed = {t for t in self.tables if before_rows[t] != after_rows[t]}
                if changed:
                    self.failures.append(
                        f"{what} -> refused, but rows changed in {sorted(changed)}"
                    )
                if after_row != before_row:
                    self.failures.append(f"{what} -> refused, but the edited row changed")
        return response


def short_traceback(error: BaseException) -> str:
    """Our own frames (not the libraries') and the last two, for each chained exception."""
    parts = []
    while error is not None:
        frames = traceback.extract_tb(error.__traceback__)
        kept = [
            f
            for i, f in enumerate(frames)
            if "/site-packages/" not in f.filename or i >= len(frames) - 8
        ]
        lines = "".join(traceback.format_list(kept))
        parts.append(f"{lines}{type(error).__name__}: {str(error)[:300]}\n")
        error = error.__cause__ or error.__context__
    return "\n".join(reversed(parts))


def french(response: HttpResponse) -> bool:
    head = response.content[:2000].decode(errors="replace")
    return re.search(r'<html[^>]*\blang="fr', head) is not None


def summary(data: list[tuple[str, Any]] | None, files: dict[str, Any] | None) -> str:
    def short(value: Any) -> str:
        text = repr(value)
        return text if len(text) < 40 else f"{text[:30]}…({len(str(value))} chars)"

    shown = [
        f"{name}={short(value)}" for name, value in (data or []) if name != "csrfmiddlewaretoken"
    ]
    shown += [f"{name}=<file of {upload.size} bytes>" for name, upload in (files or {}).items()]
    return "{" + ", ".join(shown) + "}"


def has_arguments(url: str) -> bool:
    """Whether the URL carries an object's key or a token (Wagtail pages: no)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return match.url_name != "wagtail_serve" and bool(match.args or match.kwargs)


def hostile_paths(url: str) -> st.SearchStrategy[str]:
    """The same URL with its integer and text arguments replaced by hostile values."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return st.just(path)
    if not match.kwargs and not match.args:
        return st.just(path)
    values = [str(v) for v in [*match.args, *match.kwargs.values()] if str(v)]

    def replace(value_map: dict[str, str]) -> str:
        out = path
        for old, new in value_map.items():
            out = out.replace(f"/{old}/", f"/{new}/", 1).replace(f"/{old}.", f"/{new}.", 1)
        return out

    ints = st.sampled_from(["0", str(2**31), str(2**63), str(2**70), "9" * 40])
    texts = st.one_of(
        ints,
        st.sampled_from(["%00", "x" * 600, quote("ééé"), "..", "-", "a-" + "b" * 32]),
    )
    return st.fixed_dictionaries({v: (ints if v.isdigit() else texts) for v in values}).map(replace)


QUERY_NAMES = st.sampled_from(
    ["p", "page", "ordering", "q", "statut", "mode", "format", "next", "commune", "month", "id"]
)
QUERY_VALUES = st.one_of(NASTY_STRINGS, NUMBERS, DATES, st.sampled_from(["x" * 3000]))
HOSTILE_QUERY = st.lists(st.tuples(QUERY_NAMES, QUERY_VALUES), min_size=1, max_size=4)
