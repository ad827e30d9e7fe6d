-- A run fanned out over many messages (wallet discovery over every active token: one message
-- per token, so no single function invocation has to fit them all in its timeout). One row per
-- item done: a redelivered message is not counted twice, and the item that completes the
-- count is the one that closes the run.
create table if not exists public.schedule_run_items (
    run_id   uuid        not null,  -- no foreign key: runs are only ever inserted, and a
                                    -- plain truncate of schedule_runs must keep working
    item     text        not null,
    done_at  timestamptz not null default now(),
    primary key (run_id, item)
);

alter table public.schedule_run_items enable row level security;
