-- Step 5's own state beside the contract table public.watchlist (address, listed, owner_id,
-- reason, changed_at stay as step 6 reads them): each entry's figures, rank, pin/ban and the
-- version that last turned it on or off; the pins and bans with who/when/why (removed ones
-- kept for their history); every version's changes; the Helius webhooks holding the listed
-- addresses and the last sync.
alter table public.watchlist
    add column if not exists score       double precision,
    add column if not exists confidence  double precision,
    add column if not exists rank        integer,
    add column if not exists pinned      boolean not null default false,
    add column if not exists banned      boolean not null default false,
    add column if not exists version     integer not null default 0 check (version >= 0);

create index if not exists watchlist_rank_idx on public.watchlist (listed desc, rank, address);

create table if not exists public.watchlist_overrides (
    id              bigint generated always as identity primary key,
    address         text        not null,
    kind            text        not null check (kind in ('pin', 'ban')),
    created_by      text        not null,
    reason          text        not null,
    created_at      timestamptz not null,
    removed_by      text,
    removed_at      timestamptz,
    check ((removed_at is null) = (removed_by is null))
);

-- one active pin and one active ban per address at most; removed ones are history
create unique index if not exists watchlist_overrides_active_idx
    on public.watchlist_overrides (address, kind) where removed_at is null;
create index if not exists watchlist_overrides_address_idx
    on public.watchlist_overrides (address, created_at desc);

create table if not exists public.watchlist_versions (
    version  integer     primary key check (version >= 1),
    at       timestamptz not null,
    changes  integer     not null check (changes >= 0),
    listed   integer     not null check (listed >= 0)
);

create table if not exists public.watchlist_changes (
    version        integer     not null references public.watchlist_versions (version),
    address        text        not null,
    listed_before  boolean,
    listed_after   boolean     not null,
    reason         text        not null,
    at             timestamptz not null,
    primary key (version, address)
);

create index if not exists watchlist_changes_address_idx
    on public.watchlist_changes (address, version desc);

create table if not exists public.watchlist_webhooks (
    webhook_id  text        primary key,
    addresses   integer     not null check (addresses >= 0),
    synced_at   timestamptz not null,
    state       text        not null check (state in ('synced', 'failed')),
    error       text
);

-- the last sync (one row)
create table if not exists public.watchlist_sync (
    id        boolean     primary key default true check (id),
    at        timestamptz not null,
    version   integer     not null check (version >= 0),
    state     text        not null check (state in ('synced', 'unchanged', 'failed')),
    listed    integer     not null default 0,
    created   integer     not null default 0,
    replaced  integer     not null default 0,
    deleted   integer     not null default 0,
    kept      integer     not null default 0,
    error     text
);

alter table public.watchlist_overrides enable row level security;
alter table public.watchlist_versions enable row level security;
alter table public.watchlist_changes enable row level security;
alter table public.watchlist_webhooks enable row level security;
alter table public.watchlist_sync enable row level security;
