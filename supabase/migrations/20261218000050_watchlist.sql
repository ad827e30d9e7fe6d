-- Step 5's watchlist, as step 6 reads it: one row per wallet the watchlist has judged, `listed`
-- when WallTrack follows it now (webhook_ingest keeps only swaps of listed wallets; reconcile
-- reads each listed wallet's history). Why it is on or off the list is in `reason`. The
-- watchlist step owns the rest of its state (pins, bans, versions, webhook shards) in its own
-- migrations.
create table if not exists public.watchlist (
    address    text        primary key,
    listed     boolean     not null,
    owner_id   text,
    reason     text        not null,
    changed_at timestamptz not null
);

create index if not exists watchlist_listed_idx on public.watchlist (address) where listed;

alter table public.watchlist enable row level security;
