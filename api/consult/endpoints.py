"""Every endpoint of the consult document: consultations, clients, tickets."""

from __future__ import annotations

from aiohttp import web

from api.consult import contract
from api.consult.schemas import (
    ClientIn,
    ClientOut,
    ConsultationCreate,
    ConsultationCreated,
    ConsultationOut,
    ConsultationSimple,
    TicketList,
    TicketQuery,
    TicketSummary,
)
from api.keys import RUNTIME
from core.auth.tokens import Principal
from core.consultations import clients, service
from core.models import Customer

CONSULTATIONS = ("Consultations",)
CLIENTS = ("Clients",)
TICKETS = ("Tickets",)
ERRORS = {400: "Client data or client_id is required", 404: "Client not found"}


def _created(requested: service.Requested) -> ConsultationCreated:
    client_id = str(requested.client.customer.public_id)
    return ConsultationCreated(
        consultation=ConsultationOut.of(requested.consultation, client_id=client_id),
        client_id=client_id,
    )


@contract.post(
    "/consultations/create",
    response=ConsultationCreated,
    tags=CONSULTATIONS,
    responses=ERRORS,
    idempotent=True,
)
async def create_consultation(
    request: web.Request, *, body: ConsultationCreate, principal: Principal
) -> ConsultationCreated:
    """Создание консультации (клиент создаётся или обновляется)"""
    asked = body.consultation
    client = (
        body.client.to_core(cl_ref_key=asked.cl_ref_key, org_inn=asked.org_inn)
        if body.client is not None
        else None
    )
    requested = await service.request_consultation(
        shop_id=principal.shop_id,
        details=asked.details(client_id=asked.client_id, cl_ref_key=asked.cl_ref_key),
        client=client,
        source=body.source,
        now=request.config_dict[RUNTIME].clock.now(),
    )
    return _created(requested)


@contract.post(
    "/consultations/simple",
    response=ConsultationCreated,
    tags=CONSULTATIONS,
    responses=ERRORS,
    idempotent=True,
)
async def create_simple_consultation(
    request: web.Request, *, body: ConsultationSimple, principal: Principal
) -> ConsultationCreated:
    """Упрощённое создание консультации (клиент уже известен по client_id)"""
    requested = await service.request_consultation(
        shop_id=principal.shop_id,
        details=body.details(client_id=body.client_id, cl_ref_key=None),
        now=request.config_dict[RUNTIME].clock.now(),
    )
    return _created(requested)


@contract.post("/clients", response=ClientOut, tags=CLIENTS, responses=ERRORS, idempotent=True)
async def upsert_client(request: web.Request, *, body: ClientIn, principal: Principal) -> ClientOut:
    """Создание или обновление клиента (по client_id, client_id_hash или email+phone+inn)"""
    client = await clients.upsert_client(shop_id=principal.shop_id, data=body.to_core())
    return ClientOut.of(client)


@contract.get("/clients/by-hash/{client_hash}", response=ClientOut, tags=CLIENTS, responses=ERRORS)
async def get_client_by_hash(
    request: web.Request, *, client_hash: str, principal: Principal
) -> ClientOut:
    """Получение клиента по client_id_hash"""
    return ClientOut.of(
        await clients.client_by_hash(shop_id=principal.shop_id, client_hash=client_hash)
    )


@contract.get("/clients/{client_id}", response=ClientOut, tags=CLIENTS, responses=ERRORS)
async def get_client(request: web.Request, *, client_id: str, principal: Principal) -> ClientOut:
    """Получение клиента по UUID"""
    return ClientOut.of(await clients.client_by_id(shop_id=principal.shop_id, client_id=client_id))


@contract.get(
    "/tickets/{cons_id}",
    response=ConsultationOut,
    tags=TICKETS,
    responses={404: "Consultation not found"},
)
async def get_ticket(
    request: web.Request, *, cons_id: str, principal: Principal
) -> ConsultationOut:
    """Получение тикета по cons_id (id из Chatwoot, или наш до его ответа)"""
    consultation = await service.consultation_by_cons_id(shop_id=principal.shop_id, cons_id=cons_id)
    customer = await Customer.get(id=consultation.customer_id)  # type: ignore[attr-defined]
    return ConsultationOut.of(consultation, client_id=str(customer.public_id))


@contract.get(
    "/tickets/clients/{client_id}/tickets",
    response=TicketList,
    tags=TICKETS,
    responses={404: "Client not found"},
)
async def list_client_tickets(
    request: web.Request, *, client_id: str, query: TicketQuery, principal: Principal
) -> TicketList:
    """Тикеты клиента с пагинацией (skip, limit ≤ 1000)"""
    rows, total = await service.consultations_of_client(
        shop_id=principal.shop_id, client_id=client_id, offset=query.skip, limit=query.limit
    )
    return TicketList(
        tickets=[
            TicketSummary(
                cons_id=service.cons_id(row),
                number=row.number,
                status=row.status.value,
                comment=row.comment,
                created_at=row.created_at,
            )
            for row in rows
        ],
        total=total,
    )
