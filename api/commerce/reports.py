"""Commerce reports: generate, list, get, delete; each as a PNG chart and as CSV."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, Field

from api.commerce import contract
from api.commerce.charts import bar_chart
from api.commerce.common import Paging, now_of, project, utc
from core.auth.tokens import Account
from core.commerce import reports as service
from core.models import Report, ReportType, Shop


class GenerateIn(BaseModel):
    report_type: ReportType
    start_date: AwareDatetime = Field(examples=["2025-01-01T00:00:00Z"])
    end_date: AwareDatetime = Field(examples=["2025-01-31T23:59:59Z"])
    filters: dict[str, Any] = Field(default_factory=dict)


class ReportOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    report_type: str
    start_date: str
    end_date: str
    summary: str
    payload: dict[str, Any]
    filters: dict[str, Any]
    generated_at: str


class ReportsQuery(Paging):
    report_type: ReportType | None = None


def report_out(report: Report, shop: Shop) -> ReportOut:
    return ReportOut(
        id=report.public_id,
        project_id=shop.public_id,  # type: ignore[arg-type]
        report_type=str(report.report_type),
        start_date=utc(report.start_date) or "",
        end_date=utc(report.end_date) or "",
        summary=report.summary,
        payload=report.payload or {},
        filters=report.filters or {},
        generated_at=utc(report.generated_at) or "",
    )


@contract.post(
    "/reports/{project_id}/generate",
    response=ReportOut,
    status=201,
    tags=("reports",),
    rules=("end_date is after start_date.",),
)
async def generate(
    request: web.Request, *, account: Account, project_id: uuid.UUID, body: GenerateIn
) -> ReportOut:
    """Generate a sales, messages or performance report for a period."""
    shop = await project(account, project_id)
    report = await service.generate_report(
        shop=shop,
        report_type=body.report_type,
        start=body.start_date,
        end=body.end_date,
        filters=body.filters,
        user_id=account.user_id,
        now=now_of(request),
    )
    return report_out(report, shop)


@contract.get("/reports/{project_id}", response=list[ReportOut], tags=("reports",))
async def list_reports(
    request: web.Request, *, account: Account, project_id: uuid.UUID, query: ReportsQuery
) -> list[ReportOut]:
    """The project's reports, newest first."""
    shop = await project(account, project_id)
    found = await service.list_reports(
        shop=shop, report_type=query.report_type, page=query.page, page_size=query.page_size
    )
    return [report_out(r, shop) for r in found]


@contract.get("/reports/{project_id}/{report_id}", response=ReportOut, tags=("reports",))
async def get_report(
    request: web.Request, *, account: Account, project_id: uuid.UUID, report_id: uuid.UUID
) -> ReportOut:
    """One report."""
    shop = await project(account, project_id)
    return report_out(await service.report_of(shop=shop, report_id=report_id), shop)


@contract.get(
    "/reports/{project_id}/{report_id}/chart.png",
    tags=("reports",),
    media_type="image/png",
    responses={200: "A PNG bar chart: revenue per day (sales), messages per day (others)"},
)
async def report_chart(
    request: web.Request, *, account: Account, project_id: uuid.UUID, report_id: uuid.UUID
) -> web.Response:
    """The report's daily figures as a chart."""
    shop = await project(account, project_id)
    report = await service.report_of(shop=shop, report_id=report_id)
    what, series = service.daily_series(report)
    title = f"{shop.name}: {what} per day, {utc(report.start_date)} - {utc(report.end_date)}"
    return web.Response(body=bar_chart(title, series), content_type="image/png")


@contract.get(
    "/reports/{project_id}/{report_id}/export.csv",
    tags=("reports",),
    media_type="text/csv",
    responses={200: "The report's figures and daily series as CSV"},
)
async def report_csv(
    request: web.Request, *, account: Account, project_id: uuid.UUID, report_id: uuid.UUID
) -> web.Response:
    """The report as CSV."""
    shop = await project(account, project_id)
    report = await service.report_of(shop=shop, report_id=report_id)
    return web.Response(
        text=service.report_csv(report),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="report-{report.public_id}.csv"'},
    )


@contract.delete("/reports/{project_id}/{report_id}", status=204, tags=("reports",))
async def delete_report(
    request: web.Request, *, account: Account, project_id: uuid.UUID, report_id: uuid.UUID
) -> None:
    """Delete a report."""
    shop = await project(account, project_id)
    await service.delete_report(shop=shop, report_id=report_id)
