"""Open Badges 3.0: each certificate we issue is also an OpenBadgeCredential signed as a VC-JWT.

- The JWT payload is the credential itself (VC Data Model 2.0), plus the registered claims
  `iss`, `sub`, `nbf`, `jti` (and `exp` when it expires) that OB 3.0 §8.2 maps from it.
- The header's `kid` is a URL that answers the public JWK; the JWKS lists every key, retired
  ones included, so that rotating the key invalidates no older credential.
- Revocation is published as a Bitstring Status List credential (W3C), signed the same way.
- The subject is a pseudonymous URN; the e-mail appears only salted and hashed.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from jwcrypto import jwk, jws
from jwcrypto.common import json_encode

from .models import Certificate, CertificateStatus, SigningKey

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
STATUS_CONTEXT = ["https://www.w3.org/ns/credentials/v2"]
LIST_SIZE = 131_072  # bits per status list: the specification's minimum (16 KB)
ALGORITHM = "RS256"
KEY_SIZE = 2048


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def issuer_id() -> str:
    return absolute(reverse("certificates:issuer"))


def issuer_name() -> str:
    return getattr(
        settings,
        "MAILLAGE_NETWORK_NAME",
        "Réseau intercommunal contre les violences intrafamiliales (zone Secova)",
    )


def issuer_profile() -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": issuer_id(),
        "type": ["Profile"],
        "name": issuer_name(),
        "url": absolute("/"),
    }


# --- keys ------------------------------------------------------------------------------------


def _passphrase() -> bytes:
    return (getattr(settings, "MAILLAGE_SIGNING_PASSPHRASE", "") or settings.SECRET_KEY).encode()


def key_url(kid: str) -> str:
    return absolute(reverse("certificates:key", kwargs={"kid": kid}))


def create_key() -> SigningKey:
    """A new RSA key; the current one (if any) is retired but stays published."""
    key = jwk.JWK.generate(kty="RSA", size=KEY_SIZE)
    kid = key.thumbprint()
    with transaction.atomic():
        SigningKey.objects.filter(retired_at__isnull=True).update(retired_at=timezone.now())
        return SigningKey.objects.create(
            kid=kid,
            public_jwk=json.loads(key.export_public()),
            private_pem=key.export_to_pem(private_key=True, password=_passphrase()).decode(),
        )


def current_key() -> SigningKey:
    key = SigningKey.objects.filter(retired_at__isnull=True).order_by("-created_at").first()
    return key if key is not None else create_key()


_loaded: dict[str, jwk.JWK] = {}


def _private(key: SigningKey) -> jwk.JWK:
    loaded = _loaded.get(key.kid)
    if loaded is None:
        loaded = jwk.JWK.from_pem(key.private_pem.encode(), password=_passphrase())
        _loaded[key.kid] = loaded
    return loaded


def public_jwk(key: SigningKey) -> dict[str, Any]:
    return {**key.public_jwk, "kid": key_url(key.kid), "alg": ALGORITHM, "use": "sig"}


def jwks() -> dict[str, Any]:
    return {"keys": [public_jwk(key) for key in SigningKey.objects.order_by("created_at")]}


def sign(payload: dict[str, Any], *, typ: str = "vc+jwt") -> str:
    key = current_key()
    token = jws.JWS(json_encode(payload).encode())
    token.add_signature(
        _private(key),
        alg=ALGORITHM,
        protected=json_encode({"alg": ALGORITHM, "typ": typ, "kid": key_url(key.kid)}),
    )
    return token.serialize(compact=True)


# --- credentials -----------------------------------------------------------------------------


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def hashed_email(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def status_list_url(number: int) -> str:
    return absolute(reverse("certificates:status_list", kwargs={"number": number}))


def achievement_id(certificate: Certificate) -> str:
    if certificate.module_id:
        return absolute(
            reverse(
                "certificates:achievement", kwargs={"kind": "module", "pk": certificate.module_id}
            )
        )
    return absolute(
        reverse("certificates:achievement", kwargs={"kind": "path", "pk": certificate.path_id})
    )


def achievement(certificate: Certificate) -> dict[str, Any]:
    content = certificate.content
    return {
        "id": achievement_id(certificate),
        "type": ["Achievement"],
        "achievementType": "Course" if certificate.module_id else "LearningProgram",
        "name": content.get("achievement", certificate.title),
        # What the achievement is, the same for every holder: never the body, which names
        # the holder (the subject is pseudonymous).
        "description": content.get("achievement_description")
        or content.get("achievement", certificate.title),
        "criteria": {"narrative": content.get("criteria", "")},
        "creditsAvailable": float(certificate.hours),
        "fieldOfStudy": "Violences intrafamiliales",
        "inLanguage": "fr",
    }


def credential(certificate: Certificate, *, email: str) -> dict[str, Any]:
    """The OpenBadgeCredential of a certificate, as frozen at issue."""
    salt = secrets.token_hex(16)
    subject: dict[str, Any] = {
        "id": f"urn:uuid:{certificate.subject_uuid}",
        "type": ["AchievementSubject"],
        "achievement": achievement(certificate),
        "creditsEarned": float(certificate.hours),
    }
    if email:
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": hashed_email(email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ]
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "id": certificate.verification_url(),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(), "type": ["Profile"], "name": issuer_name()},
        "validFrom": _utc(_start_of(certificate.valid_from)),
        "name": certificate.content.get("title", certificate.title),
        "credentialSubject": subject,
    }
    if certificate.valid_until:
        data["validUntil"] = _utc(_end_of(certificate.valid_until))
    if certificate.status_index is not None:
        number, index = divmod(certificate.status_index, LIST_SIZE)
        list_url = status_list_url(number)
        data["credentialStatus"] = {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        }
    return data


def _claims(data: dict[str, Any]) -> dict[str, Any]:
    claims = {
        **data,
        "iss": data["issuer"]["id"] if isinstance(data["issuer"], dict) else data["issuer"],
        "nbf": int(
            dt.datetime.strptime(data["validFrom"], "%Y-%m-%dT%H:%M:%SZ")
            .replace(tzinfo=dt.UTC)
            .timestamp()
        ),
        "jti": data["id"],
    }
    subject = data.get("credentialSubject", {})
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    if data.get("validUntil"):
        claims["exp"] = int(
            dt.datetime.strptime(data["validUntil"], "%Y-%m-%dT%H:%M:%SZ")
            .replace(tzinfo=dt.UTC)
            .timestamp()
        )
    return claims


def signed_credential(certificate: Certificate, *, email: str) -> str:
    return sign(_claims(credential(certificate, email=email)))


# --- revocation: Bitstring Status List ---------------------------------------------------------


def last_list_number() -> int:
    """The number of the last status list in use (0 before any certificate)."""
    from .models import Counter

    used = Counter.objects.filter(name="status-list").values_list("value", flat=True).first()
    return max(0, (used or 0) - 1) // LIST_SIZE


def revoked_indexes(number: int) -> list[int]:
    """Indexes in list `number` whose certificate is revoked or replaced."""
    start = number * LIST_SIZE
    rows = (
        Certificate.objects.filter(status_index__gte=start, status_index__lt=start + LIST_SIZE)
        .filter(Q(status=CertificateStatus.REVOKED) | Q(superseded_by__isnull=False))
        .values_list("status_index", flat=True)
    )
    return [index for index in rows if index is not None]


def encoded_list(indexes: list[int], number: int) -> str:
    """GZIP-compressed bitstring, base64url without padding, multibase prefix `u`; bit 0 is
    the left-most bit of the first byte (W3C Bitstring Status List)."""
    bits = bytearray(LIST_SIZE // 8)
    for absolute_index in indexes:
        index = absolute_index - number * LIST_SIZE
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_list(encoded: str) -> bytes:
    data = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(number: int) -> dict[str, Any]:
    url = status_list_url(number)
    return {
        "@context": STATUS_CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id(), "type": ["Profile"], "name": issuer_name()},
        "validFrom": _utc(timezone.now().replace(microsecond=0)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked_indexes(number), number),
        },
    }


def signed_status_list(number: int) -> str:
    return sign(_claims(status_list_credential(number)))


def decode_unverified(token: str) -> dict[str, Any]:
    """The payload of a compact JWS we signed ourselves (for showing it, not for trusting it)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
