"""The service desk: clients of a service firm (customers with an organisation profile)
and their consultations, synced to the firm's Chatwoot and 1C:ЦЛ through the outbox."""
