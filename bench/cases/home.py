"""The home page, served through the whole stack, against Wagtail serving a bare page."""

from django.test import Client

from bench.harness import Case


def cases(dataset: dict) -> list[Case]:
    client = Client(HTTP_HOST="localhost")

    def home() -> None:
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    def bare_page() -> None:
        response = client.get("/bench-bare/")
        assert response.status_code == 200, response.status_code

    return [
        Case(
            name="home_page",
            description="GET / (home page with demo content, anonymous), server side",
            run=home,
            baseline_name="wagtail_bare_page",
            baseline=bare_page,
            runs=60,
            extra=dataset,
        )
    ]
