-- Step 6: signals. One row per swap of a watched wallet that signal_score judged, accepted or
-- rejected with the reason: a buy is an entry signal with its score and breakdown (jsonb: the
-- components, each with its raw value, normalised value, weight and contribution), a sell an
-- exit signal with the share of the holding it sold. The swap key is unique, so a message
-- delivered twice (SQS is at least once) stores one signal. Money and token amounts are exact
-- decimals; three times make the latency visible (on-chain, received by ingest, scored).
create table if not exists public.signals (
    id                bigint generated always as identity primary key,
    signature         text        not null,
    wallet            text        not null,
    token_mint        text        not null,
    kind              text        not null check (kind in ('entry', 'exit')),
    side              text        not null check (side in ('buy', 'sell', 'swap')),
    owner_id          text        not null,
    token_amount      numeric     not null,
    quote_mint        text        not null,
    quote_amount      numeric     not null,
    onchain_at        timestamptz not null,
    received_at       timestamptz not null,
    scored_at         timestamptz not null,
    via               text        not null check (via in ('webhook', 'reconcile')),
    score             double precision check (score between 0 and 1),
    components        jsonb       not null default '[]',
    consensus_owners  text[]      not null default '{}',
    fraction_sold     numeric     check (fraction_sold between 0 and 1),
    accepted          boolean     not null,
    reason            text        not null,
    unique (signature, wallet, token_mint)
);

-- The Signals tab: newest first, all or only accepted / rejected.
create index if not exists signals_scored_idx on public.signals (scored_at desc, id desc);
create index if not exists signals_accepted_scored_idx
    on public.signals (accepted, scored_at desc, id desc);
create index if not exists signals_wallet_idx on public.signals (wallet, scored_at desc);
-- Owner consensus: the entry signals on a token within a window of on-chain time.
create index if not exists signals_consensus_idx
    on public.signals (token_mint, onchain_at) where kind = 'entry' and side = 'buy';

alter table public.signals enable row level security;
