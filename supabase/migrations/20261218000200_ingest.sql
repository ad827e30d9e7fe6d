-- Step 6's ingest (webhook_ingest + reconcile). Every accepted delivery is kept for audit with
-- its raw body (`audit_retention_days`, then deleted by ingest housekeeping); refused attempts
-- (wrong or missing Authorization) are only counted, per minute, never stored with their body.
create table if not exists public.webhook_deliveries (
    id           bigint      generated always as identity primary key,
    received_at  timestamptz not null,
    status       text        not null check (status in ('ok', 'malformed', 'too_large')),
    bytes        integer     not null,
    items        integer     not null default 0,
    swaps_found  integer     not null default 0,
    swaps_new    integer     not null default 0,
    error        text,
    body         bytea       -- the raw body as received; null for a body over the cap
);
create index if not exists webhook_deliveries_received_idx
    on public.webhook_deliveries (received_at);
alter table public.webhook_deliveries enable row level security;

create table if not exists public.webhook_refusals (
    minute    timestamptz primary key,
    attempts  integer     not null
);
alter table public.webhook_refusals enable row level security;

-- Each swap of a listed wallet ingested once, whatever delivered it (a webhook delivery, a
-- duplicate of it, or reconcile): the insert that wins this key is the one that writes the
-- swap's signal message. Not `public.swaps`: step 3's history reads may have stored the swap
-- already, and a swap stored that way still owes its signal.
create table if not exists public.ingested_swaps (
    signature    text        not null,
    wallet       text        not null,
    token_mint   text        not null,
    received_at  timestamptz not null,
    via          text        not null check (via in ('webhook', 'reconcile')),
    delivery_id  bigint,     -- the webhook delivery (its audit row may be purged since)
    primary key (signature, wallet, token_mint)
);
create index if not exists ingested_swaps_received_idx on public.ingested_swaps (received_at);
alter table public.ingested_swaps enable row level security;

-- Where reconcile resumes each wallet's history (oldest first): the newest transaction read.
create table if not exists public.reconcile_cursors (
    address         text        primary key,
    last_signature  text        not null,
    last_time       timestamptz not null,
    updated_at      timestamptz not null
);
alter table public.reconcile_cursors enable row level security;
