"""One acknowledgement for the whole sheet: on screen in the signing mode, on paper with the scan,
or verbal; the scan and the signature read back only through the client's scope."""

import base64
import datetime
import functools
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.tests.factories import PASSWORD
from audit.models import AccessRecord
from boundaries import services
from boundaries.acknowledgement_views import SIGNING_KEY
from boundaries.documents import read_scan, read_signature
from boundaries.models import (
    AcknowledgedVersion,
    Acknowledgement,
    AcknowledgementMethod,
    BoundaryAgreement,
    Category,
)
from boundaries.tests.factories import BoundaryAgreementFactory
from clients.models import Client

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
STRANGERS = ["colleague", "unassigned_supervisor", "ended_supervisor", "other_admin", "other_therapist"]


def png(*, drawn: bool = True) -> bytes:
    image = Image.new("RGBA", (120, 40), (0, 0, 0, 0))
    if drawn:
        ImageDraw.Draw(image).line([(5, 30), (60, 5), (115, 30)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(out, format="JPEG")
    return out.getvalue()


@functools.cache
def pdf() -> bytes:
    """One PDF, made once: Pillow writes the time of making into it."""
    out = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(out, format="PDF")
    return out.getvalue()


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@pytest.fixture
def sheet(client_record):
    """Two active agreements, recorded a week ago."""
    week_ago = timezone.now() - 7 * DAY
    return [
        BoundaryAgreementFactory(client=client_record, category=category, created_at=week_ago)
        for category in (Category.TIME, Category.PHYSICAL)
    ]


def record(client_record, owner, **overrides):
    fields = {
        "client": client_record,
        "method": AcknowledgementMethod.VERBAL,
        "acknowledged_on": timezone.localdate(),
        "note": "Read aloud together; the client agreed.",
        "recorded_by": owner,
        **overrides,
    }
    return services.acknowledgement_record(**fields)


def codes(excinfo) -> set[str]:
    error = excinfo.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def acknowledged(agreement) -> datetime.date | None:
    return BoundaryAgreement.objects.with_acknowledgement().get(pk=agreement.pk).acknowledged_on


# The service


def test_one_acknowledgement_covers_every_active_version_with_its_hash(client_record, owner, sheet):
    acknowledgement = record(client_record, owner)

    items = AcknowledgedVersion.objects.filter(acknowledgement=acknowledgement)
    assert {item.agreement_id for item in items} == {agreement.pk for agreement in sheet}
    for item in items:
        assert item.content_hash == item.agreement.compute_content_hash()
    assert all(acknowledged(agreement) == timezone.localdate() for agreement in sheet)


def test_a_revised_agreement_needs_a_new_acknowledgement(client_record, owner, sheet):
    record(client_record, owner)
    revision = services.agreement_revise(
        agreement=sheet[0],
        terms="Sessions last 45 minutes.",
        proposed_by=sheet[0].proposed_by,
        effective_date=timezone.localdate(),
        review_interval_days=90,
        revision_reason="The practice moved to 45-minute sessions.",
        recorded_by=owner,
    )

    assert acknowledged(revision) is None
    assert acknowledged(sheet[1]) == timezone.localdate()
    again = record(client_record, owner)
    assert set(again.versions.values_list("pk", flat=True)) == {revision.pk, sheet[1].pk}


def test_the_same_sheet_is_not_acknowledged_twice(client_record, owner, sheet):
    record(client_record, owner)

    with pytest.raises(ValidationError) as excinfo:
        record(client_record, owner)

    assert codes(excinfo) == {"already_acknowledged"}
    assert Acknowledgement.objects.count() == 1


def test_nothing_to_acknowledge_without_an_active_agreement(client_record, owner):
    with pytest.raises(ValidationError) as excinfo:
        record(client_record, owner)

    assert codes(excinfo) == {"nothing_to_acknowledge"}


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"method": AcknowledgementMethod.VERBAL, "note": " "}, "no_note"),
        ({"method": AcknowledgementMethod.PAPER}, "no_scan"),
        ({"method": AcknowledgementMethod.ON_SCREEN, "initials": "AB"}, "no_signature"),
        ({"method": AcknowledgementMethod.ON_SCREEN, "initials": ""}, "no_initials"),
        ({"acknowledged_on": timezone.localdate() + DAY}, "in_future"),
        ({"acknowledged_on": timezone.localdate() - 30 * DAY}, "before_sheet"),
        ({"method": "telepathy"}, "invalid_method"),
    ],
)
def test_an_incomplete_acknowledgement_is_refused(client_record, owner, sheet, overrides, code):
    with pytest.raises(ValidationError) as excinfo:
        record(client_record, owner, **overrides)

    assert code in codes(excinfo)
    assert not Acknowledgement.objects.exists()


def test_a_withdrawn_acknowledgement_no_longer_covers_and_may_be_recorded_again(client_record, owner, sheet):
    first = record(client_record, owner)

    services.acknowledgement_withdraw(
        acknowledgement=first, by=owner, reason="Recorded for the wrong client."
    )

    assert acknowledged(sheet[0]) is None
    second = record(client_record, owner)
    assert second.pk != first.pk
    first.refresh_from_db()
    assert first.withdrawn_reason == "Recorded for the wrong client."


# The files: taken for what they are


@pytest.mark.parametrize(
    ("name", "content_type", "data"),
    [
        ("scan.pdf", "application/pdf", pdf()),
        ("scan.png", "image/png", png()),
        ("scan.jpg", "image/jpeg", jpeg()),
    ],
)
def test_a_scan_of_an_accepted_type_is_read(name, content_type, data):
    document = read_scan(SimpleUploadedFile(name, data, content_type=content_type))

    assert (document.content_type, document.data) == (content_type, data)


def test_a_scan_whose_name_and_type_say_nothing_is_taken_for_its_content():
    upload = SimpleUploadedFile("scan", pdf(), content_type="application/octet-stream")

    assert read_scan(upload).content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content_type", "data", "code"),
    [
        ("scan.pdf", "application/pdf", png(), "type_mismatch"),  # a PNG that says it is a PDF
        ("scan.png", "image/png", jpeg(), "type_mismatch"),
        ("scan.png", "image/png", b"<html><script>alert(1)</script></html>", "wrong_type"),
        ("scan.pdf", "application/pdf", b"MZ\x90\x00 an executable", "wrong_type"),
        ("scan.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "bad_image"),  # a PNG header only
        ("scan.pdf", "application/pdf", b"%PDF-1.7\n cut short", "bad_pdf"),
        ("scan.pdf", "application/pdf", b"", "empty"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(name, content_type, data, code):
    with pytest.raises(ValidationError) as excinfo:
        read_scan(SimpleUploadedFile(name, data, content_type=content_type))

    assert codes(excinfo) == {code}


def test_a_scan_over_10_mb_is_refused():
    big = pdf() + b"0" * (10 * 1024 * 1024)

    with pytest.raises(ValidationError) as excinfo:
        read_scan(SimpleUploadedFile("scan.pdf", big, content_type="application/pdf"))

    assert codes(excinfo) == {"too_large"}


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "no_signature"),
        (data_url(png(drawn=False)), "no_signature"),  # the pad left blank
        ("data:image/png;base64,not-base64!", "bad_signature"),
        (data_url(jpeg()), "bad_signature"),  # JPEG bytes in a PNG data URL
        ("data:text/html;base64," + base64.b64encode(b"<b>x</b>").decode(), "bad_signature"),
    ],
)
def test_a_missing_or_unreadable_signature_is_refused(value, code):
    with pytest.raises(ValidationError) as excinfo:
        read_signature(value)

    assert codes(excinfo) == {code}


# The paper and verbal form


def paper_post(data=None, **overrides):
    return {
        "method": AcknowledgementMethod.PAPER,
        "acknowledged_on": timezone.localdate().isoformat(),
        "note": "",
        "scan": SimpleUploadedFile("signed.pdf", data or pdf(), content_type="application/pdf"),
        **overrides,
    }


def test_owner_records_a_paper_acknowledgement_with_the_scan(client, owner, client_record, sheet):
    client.force_login(owner)
    url = reverse("boundaries:acknowledge", args=[client_record.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, paper_post())

    acknowledgement = Acknowledgement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == acknowledgement.get_absolute_url()
    assert acknowledgement.method == AcknowledgementMethod.PAPER
    assert bytes(acknowledgement.document.data) == pdf()
    assert acknowledgement.items.count() == 2


def test_a_scan_that_is_not_a_pdf_keeps_the_typed_values_and_stores_nothing(
    client, owner, client_record, sheet
):
    client.force_login(owner)
    day = (timezone.localdate() - DAY).isoformat()
    post = paper_post(acknowledged_on=day)
    post["scan"] = SimpleUploadedFile("signed.pdf", b"GIF89a not a pdf", content_type="application/pdf")

    response = client.post(reverse("boundaries:acknowledge", args=[client_record.pk]), post)

    assert response.status_code == 200
    assert "not a PDF, PNG or JPEG" in response.content.decode()
    assert f'value="{day}"'.encode() in response.content
    assert not Acknowledgement.objects.exists()


def test_a_verbal_acknowledgement_needs_a_note(client, owner, client_record, sheet):
    client.force_login(owner)
    url = reverse("boundaries:acknowledge", args=[client_record.pk])

    refused = client.post(url, paper_post(method=AcknowledgementMethod.VERBAL, scan=""))
    accepted = client.post(url, paper_post(method=AcknowledgementMethod.VERBAL, scan="", note="Read aloud."))

    assert refused.status_code == 200
    assert "Say how the client acknowledged the sheet" in refused.content.decode()
    assert accepted.status_code == 302
    assert Acknowledgement.objects.get().note == "Read aloud."


# Reading the file back


@pytest.fixture
def scanned(client_record, owner, sheet):
    from boundaries.documents import Document

    return record(
        client_record,
        owner,
        method=AcknowledgementMethod.PAPER,
        note="",
        document=Document(content_type="application/pdf", data=pdf(), filename="signed.pdf"),
    )


def test_the_owner_reads_the_scan_with_an_access_record(client, owner, scanned):
    client.force_login(owner)

    response = client.get(reverse("boundaries:acknowledgement_file", args=[scanned.pk]) + "?download=1")

    assert response.status_code == 200
    assert response.content == pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    assert AccessRecord.objects.filter(
        object_type="acknowledgement_file", object_id=scanned.pk, user=owner, action="export"
    ).exists()


@pytest.mark.parametrize("stranger", STRANGERS)
@pytest.mark.parametrize("name", ["acknowledgement", "acknowledgement_file"])
def test_a_stranger_gets_404_on_the_acknowledgement_and_its_scan(request, client, scanned, stranger, name):
    client.force_login(request.getfixturevalue(stranger))

    response = client.get(reverse(f"boundaries:{name}", args=[scanned.pk]))

    assert response.status_code == 404
    assert pdf() not in response.content


def test_the_scan_is_never_a_file_the_static_or_media_server_could_serve(client, owner, scanned):
    """Kept in the database: nothing under the static or media roots, nothing at a static URL."""
    data = pdf()
    roots = [
        Path(settings.STATIC_ROOT),
        Path(getattr(settings, "MEDIA_ROOT", "") or settings.BASE_DIR / "media"),
    ]
    for root in roots:
        if root.exists():
            assert not any(p.is_file() and p.read_bytes() == data for p in root.rglob("*")), root
    client.force_login(owner)
    for guess in ("signed.pdf", f"acknowledgements/{scanned.pk}.pdf", "media/signed.pdf"):
        assert client.get(f"{settings.STATIC_URL}{guess}").status_code == 404


# The signing mode


def test_the_signing_mode_holds_the_screen_until_the_therapists_password(client, owner, client_record, sheet):
    client.force_login(owner)
    signing = reverse("boundaries:signing", args=[client_record.pk])

    start = client.post(reverse("boundaries:signing_start", args=[client_record.pk]))

    assert start["Location"] == signing
    for path in (reverse("home"), client_record.get_absolute_url(), reverse("clients:list")):
        assert client.get(path)["Location"] == signing, path
    assert client.post(reverse("accounts:logout"))["Location"] == signing  # no way out by signing out
    wrong = client.post(reverse("boundaries:signing_leave", args=[client_record.pk]), {"password": "guess"})
    assert wrong["Location"] == signing
    assert client.get(reverse("home"))["Location"] == signing
    right = client.post(reverse("boundaries:signing_leave", args=[client_record.pk]), {"password": PASSWORD})
    assert right.status_code == 302
    assert SIGNING_KEY not in client.session
    assert client.get(reverse("home")).status_code == 200


def test_signing_on_screen_records_one_acknowledgement_for_every_active_agreement(
    client, owner, client_record, sheet
):
    client.force_login(owner)
    client.post(reverse("boundaries:signing_start", args=[client_record.pk]))
    signing = reverse("boundaries:signing", args=[client_record.pk])
    assert sheet[0].terms in client.get(signing).content.decode()

    response = client.post(signing, {"signature": data_url(png()), "initials": "J.D."})
    again = client.post(signing, {"signature": data_url(png()), "initials": "J.D."})

    assert response.status_code == again.status_code == 302
    acknowledgement = Acknowledgement.objects.get()
    assert (acknowledgement.method, acknowledgement.initials) == (AcknowledgementMethod.ON_SCREEN, "J.D.")
    assert set(acknowledgement.versions.values_list("pk", flat=True)) == {a.pk for a in sheet}
    assert acknowledgement.document.kind == "signature"
    assert "Thank you" in client.get(signing).content.decode()
    assert client.get(reverse("home"))["Location"] == signing  # still held until the password


def test_a_blank_signature_is_refused_in_the_signing_mode(client, owner, client_record, sheet):
    client.force_login(owner)
    client.post(reverse("boundaries:signing_start", args=[client_record.pk]))

    response = client.post(
        reverse("boundaries:signing", args=[client_record.pk]),
        {"signature": data_url(png(drawn=False)), "initials": "JD"},
    )

    assert response.status_code == 200
    assert "The client has not signed" in response.content.decode()
    assert not Acknowledgement.objects.exists()


def test_another_therapist_cannot_start_the_signing_mode_for_a_client_not_theirs(
    client, colleague, client_record, sheet
):
    client.force_login(colleague)

    response = client.post(reverse("boundaries:signing_start", args=[client_record.pk]))

    assert response.status_code == 404
    assert SIGNING_KEY not in client.session
    assert Client.objects.filter(pk=client_record.pk).exists()


# The printed sheet


def test_the_pdf_carries_the_acknowledgement_with_the_signature(client, owner, client_record, sheet):
    from pypdf import PdfReader

    from boundaries.documents import Document

    record(
        client_record,
        owner,
        method=AcknowledgementMethod.ON_SCREEN,
        initials="J.D.",
        note="",
        document=Document(content_type="image/png", data=png(), filename="signature.png"),
    )
    client.force_login(owner)

    page = client.get(reverse("boundaries:print", args=[client_record.pk])).content.decode()
    response = client.get(reverse("boundaries:pdf", args=[client_record.pk]))

    assert "Acknowledged by the client" in page
    assert 'src="data:image/png;base64,' in page
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Acknowledged by the client" in text
    assert "initials J.D." in text
    assert sum(len(p.images) for p in reader.pages) == 1


def test_a_revised_sheet_prints_as_not_yet_acknowledged(client, owner, client_record, sheet):
    record(client_record, owner)
    services.agreement_revise(
        agreement=sheet[0],
        terms="Sessions last 45 minutes.",
        proposed_by=sheet[0].proposed_by,
        effective_date=timezone.localdate(),
        review_interval_days=90,
        revision_reason="The practice moved to 45-minute sessions.",
        recorded_by=owner,
    )
    client.force_login(owner)

    page = client.get(reverse("boundaries:print", args=[client_record.pk])).content.decode()

    assert "Not yet acknowledged by the client as it stands." in page
    assert "Acknowledged by the client" not in page
