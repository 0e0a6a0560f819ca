"""Calendar sync's pages: a therapist's import, unmatched events and private feed; the practice
admin's feed addresses; and the private feed itself, read with its token and no sign-in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role, User
from audit.models import AccessAction
from audit.services import record_access
from calendar_sync import services, tasks
from calendar_sync.feed import feed_for
from calendar_sync.forms import FeedForm, MatchForm, UploadForm
from calendar_sync.models import (
    CalendarFeed,
    CalendarImport,
    FeedToken,
    ImportSource,
    ImportStatus,
    UnmatchedEvent,
)
from clients.models import Client
from common.forms import add_service_errors

RECENT_IMPORTS = 5


def _require_therapist(user) -> None:
    if user.role != Role.THERAPIST or user.practice_id is None:
        raise PermissionDenied("Calendars are imported by therapists.")


def _clients(user):
    """The user's active clients, read once (every event's menu lists them)."""
    clients = Client.objects.owned_by(user).active().order_by("code")
    list(clients)
    return clients


def _calendar_page(request, *, upload=None, match_forms=None, feed_url="", status=200):
    user = request.user
    clients = _clients(user)
    events = list(UnmatchedEvent.objects.filter(therapist=user).order_by("starts_at", "pk"))
    match_forms = match_forms or {}
    for event in events:
        event.form = match_forms.get(event.pk) or MatchForm(clients=clients, auto_id=f"id_event{event.pk}_%s")
    return render(
        request,
        "calendar_sync/calendar.html",
        {
            "upload": upload or UploadForm(),
            "imports": list(CalendarImport.objects.filter(therapist=user)[:RECENT_IMPORTS]),
            "events": events,
            "feed": CalendarFeed.objects.filter(therapist=user).first(),
            "token": FeedToken.objects.filter(user=user).first(),
            "feed_url": feed_url,
            "window": services.window(),
            "demo_samples": settings.DEMO_SAMPLES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def calendar_home(request):
    user = request.user
    _require_therapist(user)
    if request.method == "GET":
        return _calendar_page(request)
    upload = UploadForm(request.POST, request.FILES)
    if upload.is_valid():
        file = upload.cleaned_data["file"]
        record = services.import_calendar(
            therapist=user, data=file.read(), source=ImportSource.FILE, by=user, filename=file.name
        )
        if record.status == ImportStatus.FAILED:
            upload.add_error("file", f"Nothing was imported. {record.message}")
        else:
            messages.success(request, f"Imported {record.filename}: {record.summary}.")
            return redirect("calendar_sync:calendar")
    return _calendar_page(request, upload=upload, status=400)


def _own_event(request, pk) -> UnmatchedEvent:
    """An event of the user's own latest import; anyone else's is a 404."""
    return get_object_or_404(UnmatchedEvent, pk=pk, therapist=request.user)


@require_POST
def event_match(request, pk):
    event = _own_event(request, pk)
    clients = _clients(request.user)
    form = MatchForm(request.POST, clients=clients, auto_id=f"id_event{event.pk}_%s")
    if form.is_valid():
        try:
            sessions = services.match_event(event=event, client=form.cleaned_data["client"], by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Matched to {form.cleaned_data['client'].code}: {len(sessions)} planned "
                f"session{'s' if len(sessions) != 1 else ''}; later imports remember it.",
            )
            return redirect("calendar_sync:calendar")
    return _calendar_page(request, match_forms={event.pk: form}, status=400)


@require_POST
def event_ignore(request, pk):
    event = _own_event(request, pk)
    services.ignore_event(event=event, by=request.user)
    messages.success(request, f"“{event.summary or event.uid}” is ignored, now and in later imports.")
    return redirect("calendar_sync:calendar")


# The private feed out


@require_POST
def feed_token_issue(request):
    """A new private feed address, shown once (only its hash is kept); any older one stops working."""
    if request.user.practice_id is None:
        raise PermissionDenied("The feed is for members of a practice.")
    token = FeedToken.issue(request.user)
    url = request.build_absolute_uri(reverse("calendar_sync:feed", args=[token]))
    if request.user.role == Role.THERAPIST:
        return _calendar_page(request, feed_url=url)
    return render(request, "calendar_sync/feed_issued.html", {"feed_url": url})


@require_POST
def feed_token_revoke(request):
    FeedToken.objects.filter(user=request.user).delete()
    messages.success(request, "Your private calendar feed is switched off: its address no longer works.")
    return redirect("calendar_sync:calendar" if request.user.role == Role.THERAPIST else "home")


@login_not_required
@never_cache
@require_GET
def feed(request, token: str):
    """The feed, for a calendar app: the token is the only credential, so a wrong one is a 404."""
    holder = FeedToken.holder(token)
    if holder is None:
        raise Http404("No such feed.")
    # The token authenticates this one request as its holder, for the access record.
    request.user = holder.user
    record_access(request=request, client=None, object_type="calendar_feed", action=AccessAction.EXPORT)
    FeedToken.objects.filter(pk=holder.pk).update(last_used_at=timezone.now())
    return HttpResponse(feed_for(holder.user), content_type="text/calendar; charset=utf-8")


# The practice admin's feed addresses


def _require_admin(user) -> None:
    if not user.is_practice_admin or user.practice_id is None:
        raise PermissionDenied("Feed addresses are set by the practice admin.")


def _feeds_page(request, *, bound=None, status=200):
    therapists = list(
        User.objects.filter(
            practice_id=request.user.practice_id, role=Role.THERAPIST, is_active=True
        ).order_by("last_name", "first_name", "username")
    )
    feeds = {feed.therapist_id: feed for feed in CalendarFeed.objects.filter(therapist__in=therapists)}
    for therapist in therapists:
        therapist.feed = feeds.get(therapist.pk)
        therapist.form = (bound or {}).get(therapist.pk) or FeedForm(
            initial={"url": therapist.feed.url if therapist.feed else ""}, auto_id=f"id_feed{therapist.pk}_%s"
        )
    return render(request, "calendar_sync/feeds.html", {"therapists": therapists}, status=status)


@require_GET
def feeds(request):
    _require_admin(request.user)
    return _feeds_page(request)


def _practice_therapist(request, pk) -> User:
    """A therapist of the admin's practice; to anyone but its admin, as to a stranger, a 404."""
    if not request.user.is_practice_admin:
        raise Http404("No such therapist.")
    return get_object_or_404(
        User, pk=pk, practice_id=request.user.practice_id, role=Role.THERAPIST, is_active=True
    )


@require_POST
def feed_set(request, pk):
    therapist = _practice_therapist(request, pk)
    form = FeedForm(request.POST, auto_id=f"id_feed{therapist.pk}_%s")
    if not form.is_valid():
        return _feeds_page(request, bound={therapist.pk: form}, status=400)
    url = form.cleaned_data["url"]
    if url:
        CalendarFeed.objects.update_or_create(
            therapist=therapist, defaults={"url": url, "active": True, "set_by": request.user}
        )
        messages.success(request, f"{therapist}'s calendar feed is set; the worker pulls it every hour.")
    else:
        CalendarFeed.objects.filter(therapist=therapist).update(active=False)
        messages.success(request, f"{therapist}'s calendar feed is no longer pulled.")
    return redirect("calendar_sync:feeds")


@require_POST
def feed_pull(request, pk):
    therapist = _practice_therapist(request, pk)
    feed = get_object_or_404(CalendarFeed, therapist=therapist, active=True)
    tasks.pull_feed.defer(feed_id=feed.pk)
    messages.success(request, f"{therapist}'s feed will be pulled in a moment; reload to see the result.")
    return redirect("calendar_sync:feeds")
