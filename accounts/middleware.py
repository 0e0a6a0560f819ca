import zoneinfo

from django.utils import timezone


class PracticeTimezoneMiddleware:
    """Show times in the signed-in user's practice time zone; they are stored in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.practice_id:
            timezone.activate(zoneinfo.ZoneInfo(user.practice.time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
