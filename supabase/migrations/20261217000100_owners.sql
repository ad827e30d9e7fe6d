-- Step 4: owners (wallets one person controls), as the last clustering run grouped them.
-- A run replaces the current owners in one transaction (owners.current, owner_members,
-- owner_edges, wallets.owner_id), so nothing half-written is ever current; owners a run no
-- longer has stay as current = false for their history (owner_changes). Amounts are exact
-- decimals (SOL) or integers (lamports, inside proofs).
create table if not exists public.owners (
    owner_id                   text        primary key,
    run_id                     text        not null,
    size                       integer     not null check (size >= 0),
    linked_wallets             integer     not null default 0 check (linked_wallets >= 0),
    combined_realised_pnl_sol  numeric,
    combined_copy_edge         numeric,
    median_copy_edge           numeric,
    best_score                 double precision,
    shared_tokens              integer     not null default 0,
    evidence                   jsonb       not null default '{}',
    current                    boolean     not null default true,
    first_seen_at              timestamptz not null,
    updated_at                 timestamptz not null
);

create index if not exists owners_current_size_idx on public.owners (current, size desc);

-- The current members: profiled wallets and the wallets linking them (funders, fee payers).
create table if not exists public.owner_members (
    owner_id  text    not null references public.owners (owner_id) on delete cascade,
    address   text    not null,
    role      text    not null check (role in ('funder', 'member')),
    profiled  boolean not null,
    primary key (owner_id, address)
);

create unique index if not exists owner_members_address_idx on public.owner_members (address);

-- The evidence kept per owner (both ends inside it), with a few proofs each.
create table if not exists public.owner_edges (
    owner_id  text             not null references public.owners (owner_id) on delete cascade,
    kind      text             not null
              check (kind in ('FUNDED_BY', 'FEE_PAID_BY', 'TRANSFERRED', 'CO_ENTERED')),
    source    text             not null,
    target    text             not null,
    weight    double precision not null,
    count     integer          not null check (count >= 1),
    hop       integer          not null default 1,
    proofs    jsonb            not null default '[]',
    primary key (owner_id, kind, source, target)
);

-- Every run's changes: new, split, merge, dissolved (never silent).
create table if not exists public.owner_changes (
    id        bigint generated always as identity primary key,
    run_id    text        not null,
    kind      text        not null check (kind in ('new', 'split', 'merge', 'dissolved', 'unchanged')),
    from_ids  text[]      not null default '{}',
    to_ids    text[]      not null default '{}',
    at        timestamptz not null
);

create index if not exists owner_changes_from_idx on public.owner_changes using gin (from_ids);
create index if not exists owner_changes_to_idx on public.owner_changes using gin (to_ids);

alter table public.wallets add column if not exists owner_id text;
create index if not exists wallets_owner_idx on public.wallets (owner_id);

alter table public.owners enable row level security;
alter table public.owner_members enable row level security;
alter table public.owner_edges enable row level security;
alter table public.owner_changes enable row level security;
