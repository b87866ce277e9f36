"""Keep secrets carried in URLs (invitation, confirmation, password-reset tokens) out of logs.

Django logs the path of every 404 and the development server every request.
"""

from __future__ import annotations

import logging
import re

SECRET_PATHS = re.compile(
    r"(/invitation/|/inscription/confirmer/|/mot-de-passe/reinitialiser/"
    r"|/agenda/(?!serie/|seance/)|/attestations/verifier/)[^\s\"'?]+"
)

# A search among children's records carries what was typed (an alias) in the query string.
CHILD_QUERIES = re.compile(r"(/admin/groupes/[^\s\"'?]*)\?[^\s\"']*")


def redact(text: str) -> str:
    return CHILD_QUERIES.sub(r"\1?[…]", SECRET_PATHS.sub(r"\1[…]/", text))


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
