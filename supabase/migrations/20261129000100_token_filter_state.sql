-- Step 1: whether a token passed the discovery filters at its latest scan, and why not.
-- A token a rescan rejects stays stored (its history and wallets stay useful) but the
-- Discovery table's default view shows the tokens that pass the current filters.
alter table public.tokens
    add column if not exists filters_passed boolean not null default true,
    add column if not exists filter_reasons jsonb   not null default '[]'::jsonb,
    add column if not exists filters_checked_at timestamptz;

create index if not exists tokens_filters_passed_idx on public.tokens (filters_passed);
