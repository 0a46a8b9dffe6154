"""The consult document's bodies and answers, field for field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from core.consultations.clients import Client, ClientData, profile_values
from core.consultations.service import ConsultationData, cons_id
from core.models import Consultation
from core.phones import MOBILE_PATTERN

Text = str | None


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Times(BaseModel):
    @field_validator("*", mode="after")
    @classmethod
    def _aware(cls, value: object) -> object:
        return _utc(value) if isinstance(value, datetime) else value


class ClientIn(_Times):
    email: Text = Field(default=None, max_length=254)
    phone_number: Annotated[str, Field(json_schema_extra={"pattern": MOBILE_PATTERN})] | None = (
        Field(
            default=None,
            max_length=32,
            description="E.164 (+998901234567, +77011234567); other spellings are read too",
        )
    )
    country: Text = Field(default=None, max_length=64)
    region: Text = Field(default=None, max_length=100)
    city: Text = Field(default=None, max_length=100)
    org_inn: Text = Field(default=None, max_length=20)
    org_id: Text = Field(default=None, max_length=100)
    subs_id: Text = Field(default=None, max_length=100)
    subs_start: datetime | None = None
    subs_end: datetime | None = None
    tariff_id: Text = Field(default=None, max_length=100)
    tariffperiod_id: Text = Field(default=None, max_length=100)
    cl_ref_key: Text = Field(default=None, max_length=64)
    client_id_hash: Text = Field(default=None, max_length=128)
    client_id: Text = Field(default=None, max_length=64)

    def to_core(self, **fallback: str | None) -> ClientData:
        values = self.model_dump()
        for name, value in fallback.items():
            if values.get(name) in (None, "") and value:
                values[name] = value
        return ClientData(**values)


class _ConsultationFields(_Times):
    org_inn: Text = Field(default=None, max_length=20)
    lang: Literal["ru", "uz"] = "ru"
    comment: str = Field(min_length=1, max_length=10000)
    topic: Text = Field(default=None, max_length=200)
    online_question_cat: Text = Field(default=None, max_length=64)
    online_question: Text = Field(default=None, max_length=64)
    importance: int | None = Field(default=None, ge=0, le=100)
    scheduled_at: datetime | None = None

    @field_validator("comment")
    @classmethod
    def _question(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("comment must not be blank")
        return value

    def details(self, *, client_id: str | None, cl_ref_key: str | None) -> ConsultationData:
        return ConsultationData(
            comment=self.comment,
            lang=self.lang,
            topic=self.topic,
            online_question_cat=self.online_question_cat,
            online_question=self.online_question,
            importance=self.importance,
            scheduled_at=self.scheduled_at,
            org_inn=self.org_inn,
            cl_ref_key=cl_ref_key,
            client_id=client_id,
        )


class ConsultationIn(_ConsultationFields):
    client_id: Text = Field(default=None, max_length=64)
    cl_ref_key: Text = Field(default=None, max_length=64)


class ConsultationCreate(BaseModel):
    client: ClientIn | None = None
    consultation: ConsultationIn
    source: str = Field(default="SITE", min_length=1, max_length=32)


class ConsultationSimple(_ConsultationFields):
    client_id: Text = Field(default=None, max_length=64)


class ClientOut(BaseModel):
    client_id: str
    email: str | None
    phone_number: str | None
    country: str | None
    region: str | None
    city: str | None
    org_inn: str | None
    org_id: str | None
    subs_id: str | None
    subs_start: datetime | None
    subs_end: datetime | None
    tariff_id: str | None
    tariffperiod_id: str | None
    cl_ref_key: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, client: Client) -> ClientOut:
        customer, profile = client.customer, client.profile
        values = profile_values(profile)
        values.pop("client_id_hash")
        updated = max(filter(None, (customer.updated_at, profile.updated_at)))
        return cls.model_validate(
            {
                "client_id": str(customer.public_id),
                "email": customer.email,
                "phone_number": customer.phone or None,
                **{k: _utc(v) if isinstance(v, datetime) else v for k, v in values.items()},
                "created_at": _utc(customer.created_at),
                "updated_at": _utc(updated),
            }
        )


class ConsultationOut(BaseModel):
    cons_id: str
    cl_ref_key: str | None
    client_id: str
    number: str | None
    status: str
    org_inn: str | None
    create_date: datetime
    start_date: datetime | None
    end_date: datetime | None
    lang: str
    comment: str
    topic: str | None
    online_question_cat: str | None
    online_question: str | None
    importance: int | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, consultation: Consultation, *, client_id: str) -> ConsultationOut:
        return cls(
            cons_id=cons_id(consultation),
            cl_ref_key=consultation.onec_ref_key,
            client_id=client_id,
            number=consultation.number,
            status=consultation.status.value,
            org_inn=consultation.org_inn,
            create_date=_utc(consultation.created_at),  # type: ignore[arg-type]
            start_date=_utc(consultation.scheduled_at),
            end_date=_utc(consultation.ended_at),
            lang=consultation.lang,
            comment=consultation.comment,
            topic=consultation.topic,
            online_question_cat=consultation.online_question_cat,
            online_question=consultation.online_question,
            importance=consultation.importance,
            created_at=_utc(consultation.created_at),  # type: ignore[arg-type]
            updated_at=_utc(consultation.updated_at),  # type: ignore[arg-type]
        )


class ConsultationCreated(BaseModel):
    consultation: ConsultationOut
    client_id: str
    message: str = "Consultation created successfully"


class TicketSummary(BaseModel):
    cons_id: str
    number: str | None
    status: str
    comment: str
    created_at: datetime


class TicketList(BaseModel):
    tickets: list[TicketSummary]
    total: int


class TicketQuery(BaseModel):
    skip: int = Field(default=0, ge=0, le=2**63 - 1)
    limit: int = Field(default=100, ge=1, le=1000)
