"""Every form in Alliance, fed hostile values: never a 500, and a refused form keeps what was typed.

The forms are found, not listed: each page the access matrix knows (config/tests/test_access_matrix)
is read by each person who may read it, and every form in its HTML is submitted as the page
offers it, with one field at a time replaced by a value a careless or hostile user might send:

- text: 200,000 characters, and text with a NUL byte in it;
- dates and times: the year 1 and the year 9999, and a day that does not exist;
- numbers: 22 digits, and a large negative number;
- choices (selects, radio buttons): a value that is not among them.

A new page or a new form is covered as soon as the access matrix lists its URL.
"""

import dataclasses
from html.parser import HTMLParser
from urllib.parse import urlparse

import pytest
from django.db import transaction

from config.tests.test_access_matrix import SPEC, build_world, url_for

pytestmark = pytest.mark.django_db

# Who reads each page: the first of these its entry allows (public pages: also nobody).
PEOPLE = ("owner", "supervisor", "admin")
MARKER = "fuzzmark"
LONG_TEXT = MARKER + "x" * 200_000


@dataclasses.dataclass
class Field:
    name: str
    kind: str  # text, textarea, date, datetime-local, number, select, radio, checkbox, hidden, password...
    value: str
    choices: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class FoundForm:
    action: str
    method: str
    fields: dict[str, Field] = dataclasses.field(default_factory=dict)

    def data(self) -> dict[str, str]:
        """What the browser would send as the page offers the form."""
        return {
            name: field.value
            for name, field in self.fields.items()
            if field.kind not in ("checkbox", "radio", "submit") or field.value
        }


class FormParser(HTMLParser):
    """The forms of a page, with their fields and the values the page offers."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[FoundForm] = []
        self.form: FoundForm | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None
        self.by_id: dict[str, FoundForm] = {}

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.form = FoundForm(attrs.get("action") or self.page_path, attrs.get("method", "get").lower())
            self.forms.append(self.form)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = self.form
        # A field's ``form`` attribute names the form it belongs to, wherever it stands.
        form = self.by_id.get(attrs["form"]) if "form" in attrs else self.form
        if form is None or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text").lower()
            field = form.fields.get(attrs["name"])
            if kind == "radio":
                field = form.fields.setdefault(attrs["name"], Field(attrs["name"], "radio", ""))
                field.choices.append(attrs.get("value", ""))
                if "checked" in attrs:
                    field.value = attrs.get("value", "")
            elif kind == "checkbox":
                form.fields[attrs["name"]] = Field(
                    attrs["name"], "checkbox", attrs.get("value", "on") if "checked" in attrs else ""
                )
            elif field is None:
                form.fields[attrs["name"]] = Field(attrs["name"], kind, attrs.get("value", ""))
        elif tag == "select":
            self.select = form.fields.setdefault(attrs["name"], Field(attrs["name"], "select", ""))
        elif tag == "option" and self.select is not None:
            self.select.choices.append(attrs.get("value", ""))
            if "selected" in attrs or len(self.select.choices) == 1:
                self.select.value = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = form.fields.setdefault(attrs["name"], Field(attrs["name"], "textarea", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:  # None: a textarea outside any form
            # A browser drops the one newline that follows <textarea>.
            self.textarea.value = self.textarea.value.removeprefix("\n")
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data


def forms_of(response, path: str) -> list[FoundForm]:
    parser = FormParser(path)
    parser.feed(response.content.decode())
    return [form for form in parser.forms if form.fields]


HOSTILE = {
    "text": [LONG_TEXT, f"{MARKER}\x00nul"],
    "textarea": [LONG_TEXT, f"{MARKER}\x00nul"],
    "email": [LONG_TEXT, f"{MARKER}\x00nul"],
    "search": [LONG_TEXT, f"{MARKER}\x00nul"],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T10:00"],
    "number": ["1" * 22, "-99999999999"],
    "hidden": ["1" * 22, f"{MARKER}\x00nul"],
    "select": ["not-a-choice"],
    "radio": ["not-a-choice"],
}
# Fields whose refusal never shows their value again, by design.
NOT_REDISPLAYED = {"password", "old_password", "new_password1", "new_password2", "csrfmiddlewaretoken"}


def submit(client, form: FoundForm, data: dict):
    if form.method == "post":
        return client.post(form.action, data)
    return client.get(form.action, data)


def fuzz_page(client, path: str) -> tuple[int, list[str]]:
    """Submit every form on ``path`` with each hostile value; returns (submissions, failures)."""
    page = client.get(path)
    if page.status_code != 200 or not page.get("Content-Type", "").startswith("text/html"):
        return 0, []
    failures, sent = [], 0
    for form in forms_of(page, path):
        if urlparse(form.action).path.startswith("/admin/") or form.action.endswith("/logout/"):
            continue
        for name, field in form.fields.items():
            if name == "csrfmiddlewaretoken":
                continue
            for value in HOSTILE.get(field.kind, []):
                with transaction.atomic():
                    response = submit(client, form, {**form.data(), name: value})
                    transaction.set_rollback(True)
                sent += 1
                label = f"{form.method.upper()} {form.action} {name}={value[:24]!r}"
                if response.status_code >= 500:
                    failures.append(f"{label}: {response.status_code}")
                elif (
                    response.status_code == 200
                    and form.method == "post"
                    and value.startswith(MARKER)
                    and name not in NOT_REDISPLAYED
                    and field.kind != "hidden"
                    and MARKER.encode() not in response.content
                ):
                    failures.append(f"{label}: refused without showing what was typed")
    return sent, failures


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


PAGES = sorted(name for name, entry in SPEC.items() if entry.readers or entry.public)


@pytest.mark.parametrize("name", PAGES)
def test_every_form_on_the_page_refuses_hostile_input_without_a_500(client, world, name):
    entry = SPEC[name]
    url = url_for(name, world)
    readers = [person for person in PEOPLE if person in entry.readers]
    visitors = ([None] if entry.public else []) + readers[:2]
    client.raise_request_exception = False  # a 500 is counted, and the other values still tried
    failures, sent = [], 0
    for visitor in visitors:
        client.logout()
        if visitor is not None:
            client.force_login(world[visitor])
        count, found = fuzz_page(client, url)
        sent += count
        failures += [f"as {visitor or 'anonymous'}: {failure}" for failure in found]
    assert not failures, "\n".join(failures)


def test_the_fuzzer_finds_a_planted_500(client, world, monkeypatch):
    """A form whose clean() breaks on a long text is caught: the fuzz test can fail."""
    from boundaries.forms import AgreementForm

    original = AgreementForm.clean

    def broken(self):
        if len(self.data.get(self.add_prefix("terms"), "")) > 100_000:
            raise ZeroDivisionError("planted")
        return original(self)

    monkeypatch.setattr(AgreementForm, "clean", broken)
    client.raise_request_exception = False
    client.force_login(world["owner"])

    sent, failures = fuzz_page(client, url_for("boundaries:add", world))

    assert sent > 0
    assert any("terms" in failure and ": 500" in failure for failure in failures), failures
