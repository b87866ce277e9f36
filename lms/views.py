"""Front-end actions on enrolments (thin: permission -> service -> message -> redirect)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from network import audit, permissions, roles
from sessions.models import Session, SessionStatus

from . import exceptions, services
from .forms import DecisionForm, EvaluationForm
from .models import (
    AttendanceStatus,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Evaluation,
    ModulePage,
)

STATUS_MESSAGES = {
    EnrolmentStatus.CONFIRMED: gettext_lazy(
        "Your seat is confirmed. A confirmation was sent by e-mail."
    ),
    EnrolmentStatus.REQUESTED: gettext_lazy(
        "Your request was sent for approval. You hold no seat until it is approved."
    ),
}


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path of this site only: redirect() would take any other word for a URL name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, True
    ):
        return redirect(target)
    return redirect(fallback)


def _own_enrolment(request: HttpRequest, pk: int) -> Enrolment:
    """The signed-in person's own enrolment, else 404 (never someone else's)."""
    return get_object_or_404(
        Enrolment.objects.select_related("run__module"), pk=pk, person=request.user
    )


@login_required
@require_POST
def enrol(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(CourseRun.objects.select_related("module"), pk=run_id)
    fallback = run.module.url or reverse("dashboard")
    try:
        enrolment = services.enrol(request.user, run)
    except exceptions.EnrolmentError as error:
        messages.error(request, error.message)
        return _back(request, fallback)
    if enrolment.status == EnrolmentStatus.WAITLISTED:
        messages.success(
            request,
            _("The run is full: you are on the waiting list, at position %(position)s.")
            % {"position": enrolment.waitlist_position},
        )
    else:
        messages.success(request, STATUS_MESSAGES.get(enrolment.status, _("Done.")))
    return _back(request, fallback)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _own_enrolment(request, pk)
    try:
        services.cancel(enrolment, actor=request.user)
    except exceptions.EnrolmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your enrolment in %(module)s is cancelled.")
            % {"module": enrolment.run.module.title},
        )
    return _back(request, reverse("dashboard"))


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _own_enrolment(request, pk)
    try:
        services.accept_offer(enrolment, actor=request.user)
    except exceptions.EnrolmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The seat is yours: your enrolment is confirmed."))
    return _back(request, reverse("dashboard"))


@login_required
@require_POST
def interest(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_object_or_404(ModulePage.objects.live().public(), pk=module_id)
    if request.POST.get("withdraw"):
        services.withdraw_interest(request.user, module)
        messages.success(request, _("You will no longer be told about new dates."))
    else:
        try:
            services.register_interest(request.user, module)
        except exceptions.EnrolmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Noted: we will e-mail you as soon as a new date is open."))
    return _back(request, module.url or reverse("dashboard"))


@login_required
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _own_enrolment(request, pk)
    if enrolment.status not in (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED):
        raise Http404
    if Evaluation.objects.filter(enrolment=enrolment).exists():
        messages.info(request, _("You already evaluated this training. Thank you!"))
        return redirect("dashboard")
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_evaluation(enrolment, actor=request.user, data=form.cleaned_data)
        except exceptions.EnrolmentError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you for your evaluation."))
        return redirect("dashboard")
    return render(request, "lms/evaluation.html", {"form": form, "enrolment": enrolment})


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    """A referent's page: their organisation's requests awaiting approval."""
    pending = list(
        services.requests_for_referent(request.user)
        .select_related("person", "person__member_profile__organisation", "run__module")
        .order_by("run__starts_at", "requested_at")
    )
    if not pending and not permissions.standing(request.user).has(roles.REFERENT):
        raise Http404
    return render(request, "lms/requests.html", {"pending": pending, "form": DecisionForm()})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment.objects.select_related("run__module", "person"), pk=pk)
    if not services.may_decide(request.user, enrolment):
        raise Http404
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or refuse."))
        return _back(request, reverse("lms:requests"))
    name = enrolment.person.get_full_name() or enrolment.person.get_username()
    try:
        if form.cleaned_data["decision"] == "approve":
            services.approve(enrolment, actor=request.user)
            messages.success(request, _("%(name)s's request is approved.") % {"name": name})
        else:
            services.reject(enrolment, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("%(name)s's request is refused.") % {"name": name})
    except exceptions.EnrolmentError as error:
        messages.error(request, error.message)
    return _back(request, reverse("lms:requests"))


def _attendance_rows(session: Session, run: CourseRun):
    enrolments = list(
        Enrolment.objects.filter(
            run=run,
            status__in=[
                EnrolmentStatus.CONFIRMED,
                EnrolmentStatus.COMPLETED,
                EnrolmentStatus.NOT_COMPLETED,
            ],
        )
        .select_related("person", "person__member_profile__organisation")
        .order_by("person__last_name", "person__first_name")
    )
    marks = {
        a.enrolment_id: a for a in session.training_attendance.filter(enrolment__in=enrolments)
    }
    return [(e, marks.get(e.pk)) for e in enrolments]


def _hours(raw: str, length: Decimal) -> Decimal | None:
    """Hours typed on the sheet ("2,5"), to the hundredth, strictly between 0 and the length."""
    try:
        hours = Decimal(raw)
        if not hours.is_finite() or not (Decimal(0) < hours < length):
            return None
        hours = hours.quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return hours if Decimal(0) < hours < length else None


@login_required
def attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    """One sheet per session: every enrolled person, one choice each, keyboard-friendly."""
    session = get_object_or_404(
        Session.objects.select_related("series", "venue__commune"), pk=session_id
    )
    run = CourseRun.objects.select_related("module").filter(series_id=session.series_id).first()
    if run is None or not services.may_take_attendance(request.user, session):
        raise Http404
    rows = _attendance_rows(session, run)
    length = services.session_hours(session)
    errors: dict[int, str] = {}
    if request.method == "POST":
        marks = {}
        for enrolment, _mark in rows:
            status = request.POST.get(f"status-{enrolment.pk}", "")
            if not status:
                continue
            hours = None
            if status == AttendanceStatus.PARTIAL:
                raw = request.POST.get(f"hours-{enrolment.pk}", "").replace(",", ".").strip()
                hours = _hours(raw, length)
                if hours is None:
                    errors[enrolment.pk] = _(
                        "Give the hours attended, more than 0 and less than %(hours)s."
                    ) % {"hours": floatformat(length, -2)}  # "1,5" in French
                    continue
            marks[enrolment.pk] = services.Mark(status, hours)
        if errors:
            messages.error(request, _("Some lines need correcting: nothing was saved."))
        elif session.status == SessionStatus.CANCELLED:
            messages.error(request, _("This session is cancelled: no attendance to take."))
        else:
            try:
                completed = services.mark_attendance(session, marks, actor=request.user)
            except exceptions.EnrolmentError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Attendance saved for %(count)s person.",
                        "Attendance saved for %(count)s people.",
                        len(marks),
                    )
                    % {"count": len(marks)},
                )
                if completed:
                    messages.info(
                        request,
                        ngettext(
                            "%(count)s person has now completed the module.",
                            "%(count)s people have now completed the module.",
                            len(completed),
                        )
                        % {"count": len(completed)},
                    )
                return redirect(request.path)
    else:
        audit.record("attendance.view", session, actor=request.user)
    return render(
        request,
        "lms/attendance.html",
        {
            "session": session,
            "run": run,
            "rows": rows,
            "hours": length,
            "errors": errors,
            "posted": request.POST if request.method == "POST" else {},
            "choices": AttendanceStatus.choices,
            "not_started": session.start > timezone.now(),
        },
    )
