import pytest
from django.core import mail

from certificates.models import Certificate

from .factories import complete, module, pros, run, template

pytestmark = pytest.mark.django_db


def test_completion_issues_one_certificate(demo_data, committed):
    the_module = module(code="TST-1", title="Module de test")
    template(the_module, months=36)
    the_run = run(the_module)
    (person,) = pros(1)
    complete(the_run, [person], committed)
    certificates = list(Certificate.objects.filter(holder=person, module=the_module))
    assert len(certificates) == 1
    c = certificates[0]
    print(c.serial, c.code, c.content)
    pdfs = [m for m in mail.outbox if m.attachments and m.attachments[0][2] == "application/pdf"]
    assert len(pdfs) == 1
    open("/tmp/cert.pdf", "wb").write(pdfs[0].attachments[0][1])
    print(pdfs[0].subject, pdfs[0].body)
