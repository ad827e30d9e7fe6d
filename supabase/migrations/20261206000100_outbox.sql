-- The transactional outbox: a step writes the messages it owes the next step here, in the same
-- transaction as the state change that owes them. After the commit a relay sends them to their
-- queue and stamps sent_at; the outbox_relay function's sweep re-sends whatever a failed send
-- or a crash between commit and send left unsent. `id` is the message id every consumer
-- dedupes on (it is also inside the body), so a re-send never doubles an effect.
create table if not exists public.outbox (
    id          uuid        primary key,
    queue       text        not null,  -- logical queue: token_scan | wallet_discovery | ...
    body        jsonb       not null,  -- the typed step message (data/models/messages.py)
    created_at  timestamptz not null default now(),
    sent_at     timestamptz,
    attempts    integer     not null default 0,
    last_error  text
);
create index if not exists outbox_unsent on public.outbox (created_at) where sent_at is null;
alter table public.outbox enable row level security;

-- Messages each consumer has handled, by message id: SQS delivers at least once, and the
-- sweep may re-send a message whose first send succeeded just before a crash.
create table if not exists public.consumed_messages (
    consumer     text        not null,
    message_id   uuid        not null,
    consumed_at  timestamptz not null default now(),
    primary key (consumer, message_id)
);
alter table public.consumed_messages enable row level security;

-- One row per upstream account (helius:das, rugcheck, ...): the next free request slot. Every
-- invocation of every function reserves its slots here, so concurrent Lambdas together keep
-- to the plan's rate instead of each spending all of it.
create table if not exists public.rate_limit_slots (
    account  text        primary key,
    next_at  timestamptz not null
);
alter table public.rate_limit_slots enable row level security;
