-- Requests per upstream account and wall-clock minute, counted by the same statement that
-- reserves each request's slot in rate_limit_slots (which keeps only the next free slot, no
-- history). The Status tab's pipeline panel reads it: Helius calls per wallet profile against
-- the plan's rate. Rows older than a day are deleted by that statement as it goes.
create table if not exists public.rate_limit_requests (
    account   text        not null,
    minute    timestamptz not null,  -- date_trunc('minute', the database's clock)
    requests  integer     not null check (requests > 0),
    primary key (account, minute)
);
alter table public.rate_limit_requests enable row level security;
revoke all on public.rate_limit_requests from anon, authenticated;

-- The pipeline panel counts the messages each consumer finished in the last minutes.
create index if not exists consumed_messages_consumed_at
    on public.consumed_messages (consumed_at);
