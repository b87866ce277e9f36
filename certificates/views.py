"""Public views of certificates/: verification (rate-limited), the issuer's keys, status lists
and achievements (Open Badges), and the holder's downloads."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from lms.models import ModulePage, TrainingPathPage
from network import audit, permissions

from . import openbadges, pdf
from .forms import VerifyForm
from .models import Certificate, SigningKey

JSON_LD = "application/ld+json"
MAX_PK = 2**31 - 1
VC_JWT = "application/vc+jwt"


# --- rate limiting ---------------------------------------------------------------------------


def _client(request: HttpRequest) -> str:
    """The visitor's address. Behind N trusted proxies (MAILLAGE_PROXY_COUNT), the N-th
    address from the right of X-Forwarded-For, which the nearest proxy appended; the entries
    further left are whatever the client sent."""
    proxies = getattr(settings, "MAILLAGE_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(request: HttpRequest) -> bool:
    """True once an address made more lookups than allowed in the window (enumeration)."""
    limit, window = getattr(settings, "MAILLAGE_VERIFY_RATE", (30, 600))
    bucket = int(timezone.now().timestamp()) // window
    key = f"certificates:verify:{_client(request)}:{bucket}"
    if cache.add(key, 1, window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired in between
        cache.set(key, 1, window)
        return False
    return count > limit


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "certificates/too_many.html", status=429)
    response["Retry-After"] = str(getattr(settings, "MAILLAGE_VERIFY_RATE", (30, 600))[1])
    return response


def _private(response: HttpResponse) -> HttpResponse:
    # A verification shows a name: no cache keeps it, and no link leaks the code onwards.
    # "same-origin", not "no-referrer": with the latter, browsers send `Origin: null` with the
    # page's own forms (verify another code, language switch), which Django's CSRF refuses.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- verification ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def verify_form(request: HttpRequest) -> HttpResponse:
    """Type a code (as printed under the QR code, or the end of the link)."""
    data = (
        request.POST
        if request.method == "POST"
        else (request.GET if "code" in request.GET else None)
    )
    form = VerifyForm(data)
    if data is not None and form.is_valid():
        return redirect("certificates:verify", code=form.cleaned_data["code"])
    return _private(render(request, "certificates/verify_form.html", {"form": form}))


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """What a certificate is today, in plain words; no other personal data."""
    if over_limit(request):
        return _too_many(request)
    certificate = (
        Certificate.objects.select_related("superseded_by", "module", "path")
        .filter(code=code)
        .first()
    )
    if certificate is None:
        response = render(
            request, "certificates/verify.html", {"certificate": None, "code": code}, status=404
        )
        return _private(response)
    supersedes = Certificate.objects.filter(superseded_by=certificate).first()
    today = timezone.localdate()
    response = render(
        request,
        "certificates/verify.html",
        {
            "certificate": certificate,
            "state": certificate.state(today),
            "supersedes": supersedes,
            "today": today,
            "issuer": openbadges.issuer_name(),
            "form": VerifyForm(),
        },
    )
    return _private(response)


# --- Open Badges: issuer, keys, status lists, achievements ------------------------------------


@require_GET
@cache_control(max_age=3600, public=True)
def issuer(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openbadges.issuer_profile(), content_type=JSON_LD)


@require_GET
@cache_control(max_age=3600, public=True)
def jwks(request: HttpRequest) -> JsonResponse:
    openbadges.current_key()  # a fresh site publishes a key before it signs anything
    return JsonResponse(openbadges.jwks(), content_type="application/jwk-set+json")


@require_GET
@cache_control(max_age=3600, public=True)
def key(request: HttpRequest, kid: str) -> JsonResponse:
    signing_key = get_object_or_404(SigningKey, kid=kid)
    return JsonResponse(openbadges.public_jwk(signing_key), content_type="application/jwk+json")


@require_GET
@cache_control(max_age=300, public=True)
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    """The signed Bitstring Status List; `?format=json` gives the unsigned credential."""
    if number > openbadges.last_list_number():
        raise Http404
    if request.GET.get("format") == "json":
        return JsonResponse(openbadges.status_list_credential(number), content_type=JSON_LD)
    return HttpResponse(openbadges.signed_status_list(number), content_type=VC_JWT)


@require_GET
@cache_control(max_age=3600, public=True)
def achievement(request: HttpRequest, kind: str, pk: int) -> JsonResponse:
    """The public description of a module or path as an Open Badges Achievement."""
    model = {"module": ModulePage, "path": TrainingPathPage}.get(kind)
    if model is None or pk > MAX_PK:
        raise Http404
    page = get_object_or_404(model.objects.live().public(), pk=pk)
    data = {
        "@context": openbadges.CONTEXT,
        "id": openbadges.absolute(request.path),
        "type": ["Achievement"],
        "name": page.title,
        "description": getattr(page, "summary", "") or getattr(page, "intro", ""),
        "criteria": {"id": openbadges.absolute(page.url or "/")},
    }
    return JsonResponse(data, content_type=JSON_LD)


# --- the holder's downloads --------------------------------------------------------------------


def _mine_or_managed(request: HttpRequest, pk: int) -> Certificate:
    certificate = get_object_or_404(
        permissions.visible(request.user, Certificate, "view").select_related("holder"), pk=pk
    )
    return certificate


@login_required
@never_cache
@require_GET
def download_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _mine_or_managed(request, pk)
    if certificate.is_external or certificate.anonymised:
        raise Http404
    response = HttpResponse(pdf.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestation-{certificate.serial}.pdf"'
    if certificate.holder_id != request.user.pk:
        audit.record("certificate.download", certificate, actor=request.user)
    return _private(response)


@login_required
@never_cache
@require_GET
def download_badge(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed Open Badge (VC-JWT), or its credential as JSON with `?format=json`."""
    certificate = _mine_or_managed(request, pk)
    if not certificate.credential:
        raise Http404
    if request.GET.get("format") == "json":
        payload = openbadges.decode_unverified(certificate.credential)
        response = HttpResponse(
            json.dumps(payload, ensure_ascii=False, indent=2), content_type=JSON_LD
        )
        name = f"open-badge-{certificate.serial}.json"
    else:
        response = HttpResponse(certificate.credential, content_type=VC_JWT)
        name = f"open-badge-{certificate.serial}.jwt"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _private(response)


@login_required
@never_cache
@require_GET
def download_scan(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _mine_or_managed(request, pk)
    if not certificate.scan:
        raise Http404
    audit.record("certificate.scan", certificate, actor=request.user)
    response = FileResponse(certificate.scan.open("rb"), as_attachment=True)
    return _private(response)
