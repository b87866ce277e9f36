from django_tasks import task


@task()
def purge_identities_task() -> int:
    """Purge children's identities whose cycles closed long enough ago (groups.retention)."""
    from .retention import purge_identities

    return purge_identities()
