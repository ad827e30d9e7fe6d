-- Step 1/2: discovered tokens, their safety verdict, and the snapshot history that surveillance
-- appends. Amounts in USD are numeric(38,18); times are timestamptz.
create table if not exists public.tokens (
    mint                text        primary key,
    chain               text        not null default 'solana',
    symbol              text,
    name                text,
    pair_address        text,
    dex_id              text,
    quote_mint          text,
    pair_created_at     timestamptz,
    sources             text[]      not null default '{}',
    status              text        not null default 'active'
                                    check (status in ('active', 'dead', 'rugged', 'blocked')),
    status_reason       text,
    safety_verdict      text        check (safety_verdict in ('pass', 'warn', 'fail')),
    safety_checks       jsonb       not null default '[]'::jsonb,
    safety_checked_at   timestamptz,
    price_usd           numeric(38, 18),
    liquidity_usd       numeric(38, 18),
    volume_h24_usd      numeric(38, 18),
    fdv_usd             numeric(38, 18),
    market_cap_usd      numeric(38, 18),
    txns_h1_buys        integer,
    txns_h1_sells       integer,
    first_seen_at       timestamptz not null default now(),
    last_refreshed_at   timestamptz,
    status_changed_at   timestamptz not null default now()
);

create index if not exists tokens_status_idx on public.tokens (status);
create index if not exists tokens_first_seen_idx on public.tokens (first_seen_at desc);

create table if not exists public.token_snapshots (
    mint            text        not null references public.tokens (mint) on delete cascade,
    taken_at        timestamptz not null,
    price_usd       numeric(38, 18),
    price_native    numeric(38, 18),
    liquidity_usd   numeric(38, 18),
    volume_h24_usd  numeric(38, 18),
    txns_h1_buys    integer,
    txns_h1_sells   integer,
    fdv_usd         numeric(38, 18),
    market_cap_usd  numeric(38, 18),
    primary key (mint, taken_at)
);

alter table public.tokens enable row level security;
alter table public.token_snapshots enable row level security;
