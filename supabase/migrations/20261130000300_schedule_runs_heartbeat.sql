-- When a run last showed signs of life, on the database's wall clock (started_at may be
-- business time, which a simulated market can run faster than the wall). A run silent for
-- longer than the run deadline is dead: its invocation timed out or crashed, or its last
-- fanned-out item went to the DLQ. It is closed as failed when the next run starts.
alter table public.schedule_runs
    add column if not exists heartbeat_at timestamptz not null default now();

create index if not exists schedule_runs_running_idx
    on public.schedule_runs (heartbeat_at) where status = 'running';
