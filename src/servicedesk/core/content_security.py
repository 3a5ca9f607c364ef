"""A Content-Security-Policy on every HTML page: scripts and styles only from our own files or with the page's
nonce, so that a script injected into a page (through a mail's HTML, say) does not run.

A view that shows remote images on purpose (an agent asked for a mail's images) marks its response with
`allow_remote_images`; the page then may load images from anywhere over HTTPS.
"""

from __future__ import annotations

import secrets

NONCE_BYTES = 18


def allow_remote_images(response):
    """Mark a response whose page shows remote images on purpose."""
    response.remote_images = True
    return response


def policy(nonce: str, *, remote_images: bool = False) -> str:
    images = "'self' data: https:" if remote_images else "'self' data:"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {images}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Gives each request a nonce (`request.csp_nonce`, `csp_nonce` in templates) and each HTML response the
    policy; a response that has a policy of its own (a download's) keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
        response = self.get_response(request)
        if "Content-Security-Policy" not in response and response.get("Content-Type", "").startswith("text/html"):
            remote_images = getattr(response, "remote_images", False)
            response["Content-Security-Policy"] = policy(request.csp_nonce, remote_images=remote_images)
        return response


def csp_nonce(request) -> dict:
    """Template context: the request's nonce, for inline scripts and styles (django-htmx reads `csp_nonce`)."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
