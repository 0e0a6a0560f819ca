"""Flag panels that pages of lower floors show without importing supervision.

``{% client_open_flags client %}``: the client's open flags that the signed-in user may see, so
that a flag raised by the save just made shows at once on the entry's page (session and incident
pages of the session log).
"""

from django import template

from supervision.models import Flag

register = template.Library()


@register.inclusion_tag("supervision/includes/open_flags.html", takes_context=True)
def client_open_flags(context, client):
    user = context["request"].user
    flags = Flag.objects.for_user(user).filter(client=client).open().order_by("opened_at")
    return {"client": client, "open_flags": flags}
