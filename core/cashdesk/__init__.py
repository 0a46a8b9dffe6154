"""The cash desk: shifts, sales at the till, payments, refunds and cancellations.

    shift:  open ─► (sales) ─► closed (actual cash counted, the difference reported)
    sale:   pending ─► completed ─► refunded (every item given back)
               │           └──────► cancelled (voided: goods and money back)
               └─► cancelled (a draft dropped: nothing was taken)

`shifts` keeps the drawer, `sales` the receipts; stock moves through core.stock's
ledger (kind `sale` at checkout, `return` for refunds and cancellations).
"""
