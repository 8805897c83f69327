"""The Analytics section of Admin: one page per section builder, for a period read from the
query string; `?csv=<table>` downloads one of the page's tables.

Login and staff checks are the admin's (analytics.urls wraps every view in admin_view); the
"view analytics" permission is checked here, before anything is read.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from analytics import page
from analytics.exports import table_csv
from analytics.models import Analytics, RefreshState
from analytics.period import CURRENCIES, parse_period
from analytics.sections import SECTIONS

VIEW_ANALYTICS = "analytics.view_analytics"


def can_view_analytics(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.has_perm(VIEW_ANALYTICS)


def analytics_home(request: HttpRequest) -> HttpResponse:
    """The section's root opens its first page, with the same period."""
    if not can_view_analytics(request):
        raise PermissionDenied
    first = next(iter(SECTIONS))
    url = reverse("admin:analytics_section", args=[first])
    return HttpResponseRedirect(url + page.with_params(page.page_query(request.GET)))


def section_view(request: HttpRequest, slug: str) -> HttpResponse:
    if not can_view_analytics(request):
        raise PermissionDenied
    spec = SECTIONS.get(slug)
    if spec is None:
        raise Http404("No such analytics page.")
    now = timezone.now()
    period, errors = parse_period(request.GET, today=now.date())
    section = spec.build(period, now)

    wanted = request.GET.get(page.CSV_PARAM)
    if wanted is not None:
        table = section.table(wanted)
        if table is None:
            raise Http404("No such table on this page.")
        return table_csv(table, section=spec.slug, period=period)

    query = page.page_query(request.GET)
    previous = period.previous()
    response = TemplateResponse(
        request,
        "admin/analytics/section.html",
        {
            **admin.site.each_context(request),
            "opts": Analytics._meta,
            "title": f"Analytics · {spec.title}",
            "section_title": spec.title,
            "nav": [
                (
                    other.title,
                    reverse("admin:analytics_section", args=[other.slug]) + page.with_params(query),
                    other.slug == spec.slug,
                )
                for other in SECTIONS.values()
            ],
            "period": period,
            "previous": previous,
            "errors": errors,
            "currencies": CURRENCIES,
            "granularities": page.granularity_choices(period, request.GET.get("granularity", "")),
            "refreshed_at": RefreshState.objects.filter(pk=1)
            .values_list("refreshed_at", flat=True)
            .first(),
            **page.section_context(section, query),
        },
    )
    patch_cache_control(response, private=True, no_store=True)
    return response
