"""Demo accounts: an administrator and a staff member who can log in to the admin."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model


def seed(*, size: str, log: Callable[[str], None]) -> None:
    password = settings.DEMO_PASSWORD
    User = get_user_model()
    accounts = [("admin", True), ("staff", False)]
    for username, superuser in accounts:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": superuser, "email": f"{username}@demo"},
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
    log(f"accounts: admin and staff (password from DEMO_PASSWORD, default {password!r})")
