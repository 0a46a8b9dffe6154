"""Every state of the staff, courier and bouquet-approval conversations, in one place.

| state                        | where                 | the bot waits for                     | then                                 |
|------------------------------|-----------------------|---------------------------------------|--------------------------------------|
| StaffFlow.bouquet_photo      | staff chat, presser   | a photo of the assembled bouquet      | assembled, the customer is asked     |
| CourierFlow.photo            | courier's own chat    | delivery photos (one or more)         | stays until Delivered or /cancel     |
| ApprovalFlow.comment         | customer's own chat   | what to change in the bouquet (text)  | back to production, the state before |
| ProductFlow.photo … in_stock | staff member's chat   | /newproduct: photo, name, price, ...  | the product is added (staff_catalog) |
| ProductFlow.new_price        | staff member's chat   | a product's new price (a number)      | the price is changed, the card again |
| ProductFlow.translation_name | staff member's chat   | the name in the language picked       | its description is asked             |
| ProductFlow.translation_description | staff chat     | the description (text) or /skip       | the translation is saved, the card   |

Staff contact linking has no state: a contact the person shares of themselves, outside
any conversation, links their chat (bot.routers.staff).

FSM data of a private chat is shared with the customer side (cart, checkout, chosen
language), so these flows only set and clear their own keys and state, never
`state.clear()`. The key under which each flow keeps its order id is below.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class StaffFlow(StatesGroup):
    bouquet_photo = State()


class CourierFlow(StatesGroup):
    photo = State()


class ApprovalFlow(StatesGroup):
    comment = State()


class ProductFlow(StatesGroup):
    photo = State()
    name = State()
    price = State()
    category = State()
    in_stock = State()
    new_price = State()
    translation_name = State()
    translation_description = State()


ASSEMBLY_ORDER_KEY = "staff_assembly_order"
DELIVERY_ORDER_KEY = "courier_order"
APPROVAL_ORDER_KEY = "approval_order"
# The approval photo the customer pressed "Ask for a change" on (core.approval).
APPROVAL_PHOTO_KEY = "approval_photo"
# The state the customer was in before answering the bouquet (restored afterwards).
APPROVAL_RETURN_KEY = "approval_return_state"
# The product being added (shop id, photo URL, name, price, category) / the one whose
# price is being changed.
PRODUCT_DRAFT_KEY = "staff_product_draft"
PRODUCT_EDIT_KEY = "staff_product"
# The translation being written: {"product_id", "language", "name"}.
PRODUCT_TRANSLATION_KEY = "staff_product_translation"
