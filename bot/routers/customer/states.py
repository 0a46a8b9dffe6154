"""Every state of the customer's conversations, in one place.

Checkout (`Checkout`): one state per step of the channel-neutral flow
(core.flows.shop_chat.STEPS, which holds the questions, choices and validators; the
Telegram rendering is bot.routers.customer.checkout). Every state re-asks its question
after wrong input, and /cancel leaves from anywhere (the cart stays):

| state             | the bot asks                         | accepted answer                                  | next                         |
|-------------------|--------------------------------------|--------------------------------------------------|------------------------------|
| phone             | share your phone (contact button)    | the person's OWN contact                         | recipient                    |
| recipient         | who receives the order?              | "It's me", "To <last recipient> again" (after a  | method / recipient_phone     |
|                   |                                      | reorder), or a name (letters, ≤100)              |                              |
| recipient_phone   | the recipient's phone                | a valid phone as text, or a shared contact       | method                       |
| method            | delivery or pickup?                  | one of the two buttons                           | address / day                |
| address           | the delivery address                 | text (≥3 letters/digits, ≤500) or a location     | day                          |
| day               | which day?                           | a day button, or a typed date not in the past    | window                       |
| window            | which time window?                   | an open window of that day                       | card                         |
| card              | text for the card?                   | text (≤500) or "No card"                         | occasion (confirm when the   |
|                   |                                      |                                                  | occasion was answered)       |
| occasion          | remember the occasion?               | Birthday, Anniversary or "No, thanks"            | occasion_date / confirm      |
| occasion_date     | when is it?                          | DD.MM or DD.MM.YYYY (1900..next year), or        | confirm                      |
|                   |                                      | "No, thanks"                                     |                              |
| confirm           | summary with items, fee and total    | Confirm (order placed, occasion remembered) or   | (none)                       |
|                   |                                      | Cancel                                           |                              |

Checkout starts at `phone` from the cart, or from the date reminder's "order the same
as last time" button (`reorder:<order_id>`, bot.routers.customer.reorder): the cart is
filled with that order's products still sold, and checkout starts at `recipient` (at
`phone` when the customer's phone is not known) offering that order's recipient again.

An accepted occasion becomes the customer's important date for the recipient
(core.occasions), written with the order in one transaction; the scheduler reminds
the customer before it.

Question (`Question.text`): the person's question as text -> queued for the staff chat.

What the conversation collected so far lives in the FSM data under `checkout`; the
cart under `cart` ({product_id: quantity}), the shop under `shop_id`, the chosen
language under `language`. FSM data is in Redis (or the in-process store), so a bot
restart resumes at the same state.
"""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class Checkout(StatesGroup):
    phone = State()
    recipient = State()
    recipient_phone = State()
    method = State()
    address = State()
    day = State()
    window = State()
    card = State()
    occasion = State()
    occasion_date = State()
    confirm = State()


class Question(StatesGroup):
    text = State()


SHOP_KEY = "shop_id"
CART_KEY = "cart"
CHECKOUT_KEY = "checkout"
