"""Open Badges 3.0: the credential a holder downloads has the shape of the specification's
example, its VC-JWT verifies against our published keys (kid URL and JWKS), revocation shows
in the signed status list, the holder stays pseudonymous, and key rotation breaks nothing."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import re
import uuid
import zoneinfo
from pathlib import Path

import pytest
from django.urls import reverse
from jwcrypto import jwk, jws

from certificates import openbadges, services

from .factories import user
from .support import (
    fetch_key,
    header_of,
    issue_one,
    local,
    verified_payload,
)

pytestmark = pytest.mark.django_db

# Copies of the reference files in the team's shared standards folder.
STANDARD = Path(__file__).resolve().parents[1] / "data" / "standards" / "openbadges-3.0"
EXAMPLE = json.loads((STANDARD / "example-basic-credential.json").read_text())
OB_CONTEXT = json.loads((STANDARD / "context-3.0.3.json").read_text())["@context"]
README = (STANDARD / "README.md").read_text()
# Terms of the W3C VC Data Model 2.0 context (not kept offline) that a credential of ours uses.
VC_TERMS = {
    "@context",
    "id",
    "type",
    "issuer",
    "name",
    "description",
    "validFrom",
    "validUntil",
    "credentialSubject",
    "credentialStatus",
    "statusPurpose",
    "statusListIndex",
    "statusListCredential",
}
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
JWT_CLAIMS = {"iss", "sub", "nbf", "jti", "exp"}


def assert_same_shape(example, actual, where="$"):
    """Every property of `example` is in `actual` with the same JSON type; type arrays contain
    the example's values."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{where} is not an object"
        for key, value in example.items():
            assert key in actual, f"{where}.{key} is missing"
            assert_same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), f"{where} is not an array"
        if where.endswith((".type", ".@context")):
            assert set(example) <= set(actual), f"{where}: {actual} lacks some of {example}"
        for item in actual:
            assert_same_shape(example[0], item, f"{where}[]")
    else:
        assert type(actual) is type(example), f"{where}: {type(actual)} is not {type(example)}"


def epoch(moment: str) -> int:
    return int(
        dt.datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
    )


@pytest.fixture
def issued(demo_data, committed):
    return issue_one(committed, months=24)


def _download(client, issued) -> str:
    client.force_login(issued.holder)
    response = client.get(reverse("certificates:badge", args=[issued.certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert "attachment" in response["Content-Disposition"]
    return response.content.decode()


def test_a_downloaded_credential_has_every_property_of_the_example_with_the_same_types(
    client, issued
):
    token = _download(client, issued)
    credential = verified_payload(token, fetch_key(client, token))

    assert_same_shape(EXAMPLE, credential)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSubject"]["achievement"]["name"] == issued.module.title
    assert credential["id"] == issued.certificate.verification_url()
    # The JSON version offered next to it is the same credential.
    json_version = client.get(
        reverse("certificates:badge", args=[issued.certificate.pk]), {"format": "json"}
    ).json()
    assert json_version == credential


def test_the_contexts_are_the_reference_ones_and_define_every_term_used(client, issued):
    credential = verified_payload(token := _download(client, issued), fetch_key(client, token))

    assert credential["@context"] == EXAMPLE["@context"]
    ob_url = credential["@context"][1]
    assert ob_url in README  # the README names the URL of the file kept here
    assert ob_url.rsplit("/", 1)[1] == "context-3.0.3.json"
    assert (STANDARD / ob_url.rsplit("/", 1)[1]).exists()

    def scoped(type_name):
        definition = OB_CONTEXT.get(type_name, {})
        return set(definition.get("@context", {})) if isinstance(definition, dict) else set()

    def check(node, type_name, where):
        known = VC_TERMS | set(OB_CONTEXT) | scoped(type_name)
        for key, value in node.items():
            assert key in known, f"{where}.{key} is defined by no context"
        for key, value in node.items():
            if isinstance(value, dict):
                types = value.get("type")
                inner = types[-1] if isinstance(types, list) else types
                check(value, inner, f"{where}.{key}")
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        check(item, item.get("type"), f"{where}.{key}[]")

    payload = {k: v for k, v in credential.items() if k not in JWT_CLAIMS}
    check(payload, "OpenBadgeCredential", "$")
    for type_name in ("OpenBadgeCredential", "Achievement", "AchievementSubject", "Profile"):
        assert type_name in OB_CONTEXT


def test_the_jws_verifies_with_the_kid_url_and_with_the_jwks(client, issued):
    token = _download(client, issued)
    header = header_of(token)
    assert header["alg"] == "RS256" and header["typ"] == "vc+jwt"
    assert header["kid"].startswith("http://127.0.0.1:8000/attestations/cles/")

    by_kid = verified_payload(token, fetch_key(client, token))

    client.logout()  # the keys are public
    response = client.get("/attestations/cles/")
    assert response.status_code == 200
    key_set = jwk.JWKSet.from_json(response.content)
    key = key_set.get_key(header["kid"])
    assert key is not None
    assert verified_payload(token, key) == by_kid
    # A key of someone else does not verify it.
    with pytest.raises(jws.InvalidJWSSignature):
        verified_payload(token, jwk.JWK.generate(kty="RSA", size=2048))


def test_the_registered_claims_mirror_the_credential(client, issued):
    token = _download(client, issued)
    credential = verified_payload(token, fetch_key(client, token))

    assert credential["iss"] == credential["issuer"]["id"]
    assert credential["sub"] == credential["credentialSubject"]["id"]
    assert credential["nbf"] == epoch(credential["validFrom"])
    assert credential["jti"] == credential["id"]
    assert "validUntil" in credential
    assert credential["exp"] == epoch(credential["validUntil"])
    # Valid until the end of the certificate's last day, in Brussels.
    assert dt.datetime.fromtimestamp(credential["exp"], BRUSSELS).date() == (
        issued.certificate.valid_until
    )
    assert dt.datetime.fromtimestamp(credential["nbf"], BRUSSELS).date() == (
        issued.certificate.valid_from
    )
    # The issuer profile it points to answers.
    profile = client.get(local(credential["iss"])).json()
    assert profile["id"] == credential["iss"] and "Profile" in profile["type"]


def test_a_certificate_without_validity_has_no_expiry(demo_data, committed, client):
    issued = issue_one(committed, months=None)
    token = _download(client, issued)
    credential = verified_payload(token, fetch_key(client, token))
    assert "validUntil" not in credential and "exp" not in credential
    assert credential["nbf"] == epoch(credential["validFrom"])


def test_changing_one_character_of_the_payload_breaks_the_signature(client, issued):
    token = _download(client, issued)
    key = fetch_key(client, token)
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    swapped = "A" if payload[middle] != "A" else "B"
    tampered = ".".join([header, payload[:middle] + swapped + payload[middle + 1 :], signature])
    assert tampered != token
    with pytest.raises(jws.InvalidJWSSignature):
        verified_payload(tampered, key)
    # Same with a meaningful change: another holder's subject id.
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["id"] = f"urn:uuid:{uuid.uuid4()}"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(jws.InvalidJWSSignature):
        verified_payload(".".join([header, forged, signature]), key)


def _bit(client, credential) -> bool:
    """Our own reading of the signed Bitstring Status List (W3C): fetch, verify, decode."""
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    response = client.get(local(status["statusListCredential"]))
    assert response.status_code == 200
    token = response.content.decode()
    status_list = verified_payload(token, fetch_key(client, token))
    assert "BitstringStatusListCredential" in status_list["type"]
    assert status_list["id"] == status["statusListCredential"]
    assert status_list["iss"] == credential["iss"]
    subject = status_list["credentialSubject"]
    assert subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    data = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    assert len(bits) * 8 >= 131_072
    index = int(status["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_revoking_sets_the_bit_of_the_credential_in_the_signed_status_list(client, issued):
    token = _download(client, issued)
    credential = verified_payload(token, fetch_key(client, token))
    client.logout()  # anyone may fetch a status list

    assert _bit(client, credential) is False
    services.revoke(issued.certificate, actor=user("coordination"), reason="Erreur de saisie")
    assert _bit(client, credential) is True
    # The credential itself is unchanged and still verifies: the status list says it is revoked.
    assert verified_payload(token, fetch_key(client, token)) == credential


def test_a_replaced_credential_is_flagged_and_its_successor_is_not(client, issued, committed):
    old = verified_payload(token := _download(client, issued), fetch_key(client, token))
    with committed():
        new_certificate = services.reissue(issued.certificate, actor=user("coordination"))
    new = openbadges.decode_unverified(new_certificate.credential)
    assert _bit(client, old) is True
    assert _bit(client, new) is False


def test_the_holder_is_pseudonymous_and_only_their_hashed_e_mail_is_in_the_token(client, issued):
    holder = issued.holder
    token = _download(client, issued)
    credential = verified_payload(token, fetch_key(client, token))
    text = json.dumps(credential, ensure_ascii=False)

    subject = credential["credentialSubject"]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", subject["id"])
    uuid.UUID(subject["id"].removeprefix("urn:uuid:"))
    for secret in (holder.email, holder.email.split("@")[0], holder.get_username()):
        assert secret.lower() not in text.lower()
        assert secret not in token
    for name in (holder.first_name, holder.last_name, holder.get_full_name()):
        assert name not in text, name
    (identity,) = subject["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "emailAddress"
    salt = identity["salt"]
    assert len(salt) >= 16
    digest = hashlib.sha256((holder.email + salt).encode()).hexdigest()
    assert identity["identityHash"] == "sha256$" + digest


def test_rotating_the_key_keeps_older_credentials_verifiable(demo_data, committed, client):
    first = issue_one(committed, title="Premier module")
    old_token = _download(client, first)
    old_kid = header_of(old_token)["kid"]

    openbadges.create_key()
    second = issue_one(committed, title="Second module")
    new_token = _download(client, second)
    new_kid = header_of(new_token)["kid"]

    assert new_kid != old_kid
    client.logout()
    assert verified_payload(old_token, fetch_key(client, old_token))
    assert verified_payload(new_token, fetch_key(client, new_token))
    with pytest.raises(jws.InvalidJWSSignature):
        verified_payload(old_token, fetch_key(client, new_token))
    key_set = jwk.JWKSet.from_json(client.get("/attestations/cles/").content)
    assert key_set.get_key(old_kid) is not None and key_set.get_key(new_kid) is not None
    # A status list is signed with the new key, and verifies.
    assert _bit(client, openbadges.decode_unverified(first.certificate.credential)) is False


def test_only_the_holder_and_their_coordinators_download_it(client, issued):
    url = reverse("certificates:badge", args=[issued.certificate.pk])
    pdf_url = reverse("certificates:pdf", args=[issued.certificate.pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(user("professionnelle"))
    assert client.get(url).status_code == 404
    assert client.get(pdf_url).status_code == 404
    client.force_login(user("coord-esneux"))  # the run is in Esneux
    assert client.get(url).status_code == 200
