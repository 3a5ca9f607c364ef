"""How a message that came by mail is shown: its HTML sanitised again, what is new apart from what it quotes."""

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from servicedesk.mail.html import sanitise_html
from servicedesk.mail.quoting import Folded, fold, fold_html

register = template.Library()


@register.simple_tag
def message_parts(message, images: bool = False, *, html: bool = True, inline: str = "", attachments=None) -> Folded:
    """A message as shown: its HTML (sanitised again; remote images only when asked for) or its text, split
    into what is new and its signature and quoted history (shown folded); a forwarded mail whole. `inline`: the
    URL name that serves an attachment, for the images the mail carries itself (`cid:`), shown always;
    `attachments`: the message's attachments when already read (else they are asked for)."""
    forward = bool(message.forwarded)
    if html and message.body_html:
        parts_of_mail = None
        if inline:
            parts_of_mail = {
                a.content_id: reverse(inline, args=[a.pk])
                for a in (message.attachments.all() if attachments is None else attachments)
                if a.content_id
            }
        parts = fold_html(sanitise_html(message.body_html, images=bool(images), inline=parts_of_mail), forward=forward)
        return Folded(mark_safe(parts.new), mark_safe(parts.rest))  # nh3 cleaned both sides after the cut
    return fold(message.body or "", forward=forward)
