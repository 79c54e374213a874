-- 0005: a notification is claimed by the dispatcher that sends it, until
-- a time (see store.Store.ClaimNotification): no other sends it meanwhile.
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
