-- One run per step at a time (issue 14 bug 4, issue 15 item 2), as the database's rule so it
-- holds however many Lambdas start runs at once: at most one `running` row per job among the
-- exclusive runs (a step's run started by hand or by a schedule). Wallet discovery runs that
-- token_scan's announcement of one new token starts are per-token work, not exclusive: several
-- tokens are discovered side by side.
-- Two more outcomes: `degraded` (finished, but part of the work could not be done because an
-- upstream failed us; `error` says which) and `skipped` (a scheduled run that found its step's
-- run still running; `error` names it).
alter table public.schedule_runs
    add column if not exists exclusive boolean not null default false;

alter table public.schedule_runs drop constraint if exists schedule_runs_status_check;
alter table public.schedule_runs add constraint schedule_runs_status_check
    check (status in ('running', 'succeeded', 'degraded', 'failed', 'skipped'));

-- Runs recorded before: the steps' own runs are exclusive; a manual wallet discovery says so in
-- its counts, a per-token one does not.
update public.schedule_runs set exclusive = true
 where job in ('token_scan', 'token_refresh')
    or (job = 'wallet_discovery' and counts ->> 'trigger' = 'manual');

-- Until now two runs of a step could run at once: all but the newest are closed so the index
-- can be built (a late finish of such a run still records its outcome).
update public.schedule_runs as r
   set status = 'failed',
       ended_at = greatest(r.started_at, now()),
       error = 'closed when one run per step became the rule: a newer run of this step was running'
 where r.exclusive and r.status = 'running'
   and exists (
       select 1 from public.schedule_runs as n
        where n.job = r.job and n.exclusive and n.status = 'running'
          and (n.started_at, n.id) > (r.started_at, r.id));

create unique index if not exists schedule_runs_one_running_idx
    on public.schedule_runs (job) where status = 'running' and exclusive;
