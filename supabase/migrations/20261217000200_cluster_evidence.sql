-- Step 4's cache of each wallet's (and funder's) first history page, oldest first: what the
-- owner analyzer reads of it (walltrack.data.models.cluster_evidence.TxFacts as JSON, a few
-- kilobytes, not the page itself). A page is read from Helius once per clustering run and again
-- only when older than the `evidence_stale_after_hours` setting. `funder` is the sender of the
-- wallet's earliest inbound SOL: a funder that many cached wallets name is infrastructure, and
-- its own page is never read.
create table if not exists public.cluster_evidence (
    address      text        primary key,
    fetched_at   timestamptz not null,
    funder       text,
    fetched      integer     not null check (fetched >= 0),
    malformed    integer     not null default 0 check (malformed >= 0),
    transactions jsonb       not null default '[]'::jsonb
);

create index if not exists cluster_evidence_funder_idx on public.cluster_evidence (funder)
    where funder is not null;

alter table public.cluster_evidence enable row level security;
