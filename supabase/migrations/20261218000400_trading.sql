-- Steps 7-8: paper positions, their orders, and the entries risk refused (paper mode only).
-- Money is integer base units: lamports for SOL, the token's base units for tokens (numeric(39,0)
-- holds any u64 and sums of them); prices are exact numerics, lamports per token base unit.
-- The ledger identity (walltrack.data.models.trading): cash + Σ cost_lamports held
-- = starting equity + Σ realised_lamports − Σ fees_lamports.
create table if not exists public.positions (
    position_id       uuid          primary key,
    signal_id         bigint        not null unique,   -- one position per accepted signal
    token_mint        text          not null,
    wallet            text          not null,          -- the followed wallet whose buy opened it
    owner_id          text          not null,
    status            text          not null check (status in ('opening', 'open', 'closed', 'failed')),
    opened_at         timestamptz   not null,
    closed_at         timestamptz,
    close_reason      text,
    size_lamports     bigint        not null check (size_lamports >= 0),
    token_decimals    integer       check (token_decimals between 0 and 18),
    held_units        numeric(39,0) not null default 0 check (held_units >= 0),
    cost_lamports     bigint        not null default 0 check (cost_lamports >= 0),
    realised_lamports bigint        not null default 0,
    fees_lamports     bigint        not null default 0 check (fees_lamports >= 0),
    entry_price       numeric,
    peak_price        numeric,
    last_price        numeric,
    last_priced_at    timestamptz,
    take_profits_done integer       not null default 0 check (take_profits_done >= 0),
    exit_plan         jsonb         not null default '{}'::jsonb
);

-- At most one live position per token: two signals on one token open one position.
create unique index if not exists positions_one_live_per_token
    on public.positions (token_mint) where status in ('opening', 'open');
create index if not exists positions_status_opened_idx on public.positions (status, opened_at desc);
create index if not exists positions_wallet_idx on public.positions (wallet);

create table if not exists public.orders (
    order_id              uuid          primary key,
    position_id           uuid          not null references public.positions (position_id),
    side                  text          not null check (side in ('entry', 'exit')),
    reason                text          not null,
    status                text          not null check (status in ('pending', 'filled', 'rejected')),
    requested_at          timestamptz   not null,
    executed_at           timestamptz,
    input_mint            text          not null,
    output_mint           text          not null,
    amount_in             numeric(39,0) not null check (amount_in >= 0),
    fraction              numeric       check (fraction > 0 and fraction <= 1),
    filled_in             numeric(39,0),
    filled_out            numeric(39,0),
    price_impact_pct      numeric,
    slippage_bps          integer,
    route                 text,
    network_fee_lamports  bigint        not null default 0,
    priority_fee_lamports bigint        not null default 0,
    tip_lamports          bigint        not null default 0,
    venue_fees            jsonb         not null default '{}'::jsonb,
    quote                 jsonb,
    reject_reason         text,
    attempts              integer       not null default 0
);

-- One entry per position, and at most one pending exit per position at a time (two monitors
-- or a monitor and a mirror-sell racing cannot sell the same units twice).
create unique index if not exists orders_one_entry_per_position
    on public.orders (position_id) where side = 'entry';
create unique index if not exists orders_one_pending_exit_per_position
    on public.orders (position_id) where side = 'exit' and status = 'pending';
create index if not exists orders_requested_idx on public.orders (requested_at desc);

create table if not exists public.risk_refusals (
    id         bigint      generated always as identity primary key,
    signal_id  bigint      not null,
    token_mint text        not null,
    wallet     text        not null,
    rule       text        not null,
    detail     text        not null,
    at         timestamptz not null
);

create index if not exists risk_refusals_at_idx on public.risk_refusals (at desc);

alter table public.positions enable row level security;
alter table public.orders enable row level security;
alter table public.risk_refusals enable row level security;
