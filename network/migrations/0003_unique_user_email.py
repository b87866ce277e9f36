from django.db import migrations


class Migration(migrations.Migration):
    """An e-mail address is the natural key of a person: unique whatever its case.

    Services check first; this index settles two registrations at the same moment.
    """

    dependencies = [
        ("maillage_network", "0002_email_confirmation"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE UNIQUE INDEX network_user_email_ci ON auth_user (lower(email)) "
            "WHERE email <> ''",
            "DROP INDEX network_user_email_ci",
        )
    ]
