"""Orders (Заказы): list, create, read, edit, delete, status, items and the team."""

from __future__ import annotations

from aiohttp import web

from api.crm import contract
from api.crm.common import caller, collection
from api.crm.schemas import (
    CourierAssignment,
    Deleted,
    FloristsAssignment,
    ManagerAssignment,
    Order,
    OrderCreate,
    OrderItemCreate,
    OrderQuery,
    OrderTeam,
    OrderUpdate,
    StatusUpdateRequest,
)
from core.auth.tokens import Principal
from core.dialects import crm
from core.errors import BadRequest

TAGS = ("Orders",)
NOT_FOUND = {404: "Not found"}
STATUS_REFUSED = {
    400: "The status machine cannot reach this status (the allowed words are named)",
    409: "Not enough stock to assemble (the short items are named)",
}


@collection(contract.get, "/orders", response=list[Order], tags=TAGS)
async def list_orders(
    request: web.Request, *, query: OrderQuery, principal: Principal
) -> list[Order]:
    """Получить список заказов"""
    who = await caller(request, principal)
    views = await crm.list_orders(
        shop_id=who.shop_id,
        word=query.status,
        client_id=query.client_id,
        date_from=query.date_from,
        date_to=query.date_to,
        offset=query.skip,
        limit=query.limit,
    )
    return [Order.of(v, who.zone) for v in views]


@collection(
    contract.post,
    "/orders",
    response=Order,
    tags=TAGS,
    responses=STATUS_REFUSED,
    idempotent=True,
)
async def create_order(request: web.Request, *, body: OrderCreate, principal: Principal) -> Order:
    """Создать новый заказ"""
    who = await caller(request, principal)
    view = await crm.create_order(
        shop_id=who.shop_id,
        client_id=body.client_id,
        recipient_id=body.recipient_id,
        delivery_at=crm.from_local(body.delivery_date, who.zone),
        address=body.delivery_address,
        delivery_time_range=body.delivery_time_range,
        comment=body.comment,
        items=[item.line() for item in body.items],
        total=body.total_price,  # type: ignore[arg-type]
        word=body.status,
        manager_id=body.manager_id,
        florist_ids=body.team_florists() or (),
        courier_id=body.courier_id,
        actor=who.actor,
        clock=who.clock,
    )
    return Order.of(view, who.zone)


@contract.get("/orders/{order_id}", response=Order, tags=TAGS, responses=NOT_FOUND)
async def get_order(request: web.Request, *, order_id: int, principal: Principal) -> Order:
    """Получить заказ по ID с полной информацией"""
    who = await caller(request, principal)
    return Order.of(await crm.get_order(shop_id=who.shop_id, order_id=order_id), who.zone)


async def _update(
    request: web.Request, order_id: int, body: OrderUpdate, principal: Principal
) -> Order:
    who = await caller(request, principal)
    view = await crm.update_order(
        shop_id=who.shop_id,
        order_id=order_id,
        changes=body.to_core(who.zone),
        actor=who.actor,
        clock=who.clock,
    )
    return Order.of(view, who.zone)


@contract.put(
    "/orders/{order_id}", response=Order, tags=TAGS, responses={**NOT_FOUND, **STATUS_REFUSED}
)
async def update_order(
    request: web.Request, *, order_id: int, body: OrderUpdate, principal: Principal
) -> Order:
    """Обновить заказ (only the fields sent change)"""
    return await _update(request, order_id, body, principal)


@contract.patch(
    "/orders/{order_id}", response=Order, tags=TAGS, responses={**NOT_FOUND, **STATUS_REFUSED}
)
async def patch_order(
    request: web.Request, *, order_id: int, body: OrderUpdate, principal: Principal
) -> Order:
    """Частично обновить заказ"""
    return await _update(request, order_id, body, principal)


@contract.delete(
    "/orders/{order_id}",
    response=Deleted,
    tags=TAGS,
    responses={**NOT_FOUND, 400: "A delivered order cannot be cancelled"},
)
async def delete_order(request: web.Request, *, order_id: int, principal: Principal) -> Deleted:
    """Удалить заказ (the order is cancelled, its history kept; it reads 'отменен')"""
    who = await caller(request, principal)
    await crm.delete_order(shop_id=who.shop_id, order_id=order_id, actor=who.actor, clock=who.clock)
    return Deleted(message="Order cancelled", id=order_id)


@contract.put(
    "/orders/{order_id}/status",
    response=Order,
    tags=TAGS,
    responses={**NOT_FOUND, **STATUS_REFUSED},
)
async def update_status(
    request: web.Request, *, order_id: int, body: StatusUpdateRequest, principal: Principal
) -> Order:
    """Обновить статус заказа"""
    who = await caller(request, principal)
    view = await crm.change_order_status(
        shop_id=who.shop_id,
        order_id=order_id,
        word=body.new_status,
        comment=body.comment,
        actor=who.actor,
        clock=who.clock,
    )
    return Order.of(view, who.zone)


@contract.post(
    "/orders/{order_id}/items",
    response=Order,
    tags=TAGS,
    responses={**NOT_FOUND, 409: "The order is already assembled"},
    idempotent=True,
)
async def add_item(
    request: web.Request, *, order_id: int, body: OrderItemCreate, principal: Principal
) -> Order:
    """Добавить позицию в заказ (the total follows)"""
    if body.order_id is not None and body.order_id != order_id:
        raise BadRequest("order_id must match the order in the path")
    who = await caller(request, principal)
    view = await crm.add_order_item(shop_id=who.shop_id, order_id=order_id, line=body.line())
    return Order.of(view, who.zone)


@contract.delete(
    "/orders/{order_id}/items/{item_id}",
    response=Order,
    tags=TAGS,
    responses={**NOT_FOUND, 409: "The order is already assembled"},
)
async def remove_item(
    request: web.Request, *, order_id: int, item_id: int, principal: Principal
) -> Order:
    """Удалить позицию из заказа (the total follows)"""
    who = await caller(request, principal)
    view = await crm.remove_order_item(shop_id=who.shop_id, order_id=order_id, item_id=item_id)
    return Order.of(view, who.zone)


@contract.put("/orders/{order_id}/manager", response=Order, tags=TAGS, responses=NOT_FOUND)
async def assign_manager(
    request: web.Request, *, order_id: int, body: ManagerAssignment, principal: Principal
) -> Order:
    """Назначить менеджера (a manager, admin or owner of the shop)"""
    who = await caller(request, principal)
    view = await crm.assign_team(
        shop_id=who.shop_id, order_id=order_id, actor=who.actor, manager_id=body.manager_id
    )
    return Order.of(view, who.zone)


@contract.put("/orders/{order_id}/florists", response=Order, tags=TAGS, responses=NOT_FOUND)
async def assign_florists(
    request: web.Request, *, order_id: int, body: FloristsAssignment, principal: Principal
) -> Order:
    """Назначить флористов (1 to 3 florists of the shop)"""
    who = await caller(request, principal)
    view = await crm.assign_team(
        shop_id=who.shop_id, order_id=order_id, actor=who.actor, florist_ids=body.florist_ids
    )
    return Order.of(view, who.zone)


@contract.put("/orders/{order_id}/courier", response=Order, tags=TAGS, responses=NOT_FOUND)
async def assign_courier(
    request: web.Request, *, order_id: int, body: CourierAssignment, principal: Principal
) -> Order:
    """Назначить курьера (a courier of the shop)"""
    who = await caller(request, principal)
    view = await crm.assign_team(
        shop_id=who.shop_id, order_id=order_id, actor=who.actor, courier_id=body.courier_id
    )
    return Order.of(view, who.zone)


@contract.get("/orders/{order_id}/team", response=OrderTeam, tags=TAGS, responses=NOT_FOUND)
async def get_team(request: web.Request, *, order_id: int, principal: Principal) -> OrderTeam:
    """Получить всю команду"""
    who = await caller(request, principal)
    return OrderTeam.of(await crm.order_team(shop_id=who.shop_id, order_id=order_id), who.zone)
