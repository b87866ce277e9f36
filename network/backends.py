from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """Sign in with the username or the e-mail address (compared case-insensitively)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            user_model = get_user_model()
            matches = list(user_model._default_manager.filter(email__iexact=username.strip())[:2])
            if len(matches) != 1:
                # Unknown or ambiguous address: run the hasher anyway to keep timing even.
                user_model().set_password(password)
                return None
            user = matches[0]
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def normalised_username(request, credentials) -> str:
    """django-axes counts failures per name typed, whatever its case or spaces."""
    return (credentials or {}).get("username", "").strip().lower()
