-- Step 3: swaps (one wallet's net trade in one transaction), the trade tape we hold per token,
-- candidate wallets with why they were found, and their profiles (latest summary on the
-- wallet row for lists and sorting; every profile kept whole as jsonb for the detail view).
-- Token and SOL amounts are exact decimals in UI units (numeric without a scale limit).
create table if not exists public.swaps (
    signature     text        not null,
    wallet        text        not null,
    token_mint    text        not null,
    side          text        not null check (side in ('buy', 'sell', 'swap')),
    token_amount  numeric     not null check (token_amount > 0),
    quote_mint    text        not null,
    quote_amount  numeric     not null check (quote_amount > 0),
    source        text        not null,
    ts            timestamptz not null,
    slot          bigint      not null check (slot >= 0),
    primary key (signature, wallet, token_mint)
);

create index if not exists swaps_wallet_ts_idx on public.swaps (wallet, ts desc);
create index if not exists swaps_token_ts_idx on public.swaps (token_mint, ts);

-- What we hold of a token's public trade history (the copy replay's price tape).
create table if not exists public.token_tapes (
    mint              text        primary key,
    fetched_at        timestamptz not null,
    newest_signature  text,
    transactions      integer     not null default 0,
    swaps             integer     not null default 0,
    partial           boolean     not null default false
);

create table if not exists public.wallets (
    address               text        primary key,
    status                text        not null default 'candidate'
                                      check (status in ('candidate', 'profiled', 'failed')),
    first_seen_at         timestamptz not null,
    profile_requested_at  timestamptz,
    profiled_at           timestamptz,
    error                 text,
    score                 double precision,
    confidence            double precision,
    realised_pnl_sol      numeric,
    unrealised_pnl_sol    numeric,
    win_rate              double precision,
    median_hold_seconds   double precision,
    trades                integer,
    tokens                integer,
    copy_edge             numeric,
    copy_win_rate         double precision,
    is_bot                boolean,
    bot_flags             text[]      not null default '{}',
    partial               boolean,
    qualified             boolean,
    malformed_transactions integer    not null default 0
);

create index if not exists wallets_score_idx on public.wallets (score desc nulls last);
create index if not exists wallets_status_idx on public.wallets (status);

-- Why a wallet is a candidate: per token it was found on, the reasons and its figures there.
create table if not exists public.wallet_discoveries (
    wallet            text        not null references public.wallets (address) on delete cascade,
    mint              text        not null,
    reasons           text[]      not null,
    first_buy_at      timestamptz,
    bought_sol        numeric     not null default 0,
    realised_pnl_sol  numeric     not null default 0,
    trades            integer     not null default 0,
    discovered_at     timestamptz not null,
    primary key (wallet, mint)
);

create index if not exists wallet_discoveries_mint_idx on public.wallet_discoveries (mint);

create table if not exists public.wallet_profiles (
    wallet       text        not null references public.wallets (address) on delete cascade,
    profiled_at  timestamptz not null,
    profile      jsonb       not null,
    primary key (wallet, profiled_at)
);

alter table public.swaps enable row level security;
alter table public.token_tapes enable row level security;
alter table public.wallets enable row level security;
alter table public.wallet_discoveries enable row level security;
alter table public.wallet_profiles enable row level security;
