-- One row per run of a scheduled job (token_refresh, clustering, ...), shown on the Status tab.
create table if not exists public.schedule_runs (
    id          uuid        primary key default gen_random_uuid(),
    job         text        not null,
    started_at  timestamptz not null default now(),
    ended_at    timestamptz,
    status      text        not null default 'running'
                            check (status in ('running', 'succeeded', 'failed')),
    counts      jsonb       not null default '{}'::jsonb,
    error       text,
    check (ended_at is null or ended_at >= started_at)
);

create index if not exists schedule_runs_job_started_idx
    on public.schedule_runs (job, started_at desc);
create index if not exists schedule_runs_started_idx
    on public.schedule_runs (started_at desc);

alter table public.schedule_runs enable row level security;
