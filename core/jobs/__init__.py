"""The domain side of timed work: what each scheduled job does, given a shop and a moment.

Every function here takes plain values (shop ids, an aware `now`) and works from the
database alone, so the scheduler (scheduler/), a test or a shell can run it, and
running it twice does no harm: what must happen once is recorded (Notification,
StockSnapshot) in the same transaction as the outbox rows it writes.
"""
