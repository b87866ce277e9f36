import pytest
from django.contrib.auth import get_user_model

from network.models import MemberProfile

PASSWORD = "demo-maillage"


@pytest.fixture
def users(demo_data):
    """The demo accounts and a few demo members, by name."""
    user_model = get_user_model()
    found = {u.username: u for u in user_model.objects.all()}
    return found


@pytest.fixture
def esneux_member(demo_data):
    return MemberProfile.objects.filter(
        organisation__name="CPAS d'Esneux", user__username__startswith="pro-"
    ).first()


@pytest.fixture
def aywaille_member(demo_data):
    return MemberProfile.objects.filter(
        organisation__name="CPAS d'Aywaille", user__username__startswith="pro-"
    ).first()


@pytest.fixture
def signed_in(client):
    def sign_in(username):
        client.logout()
        assert client.login(username=username, password=PASSWORD), username
        return client

    return sign_in
