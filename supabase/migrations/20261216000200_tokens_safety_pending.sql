-- Fail closed (issue 15 item 4): a safety check that could not run (its upstream refused us,
-- was unavailable or did not answer in time) makes the token's verdict `pending`: it does not
-- pass until the check runs (the next scan or refresh retries it). `warn` stays what it was:
-- the checks ran and found nothing conclusive.
alter table public.tokens drop constraint if exists tokens_safety_verdict_check;
alter table public.tokens add constraint tokens_safety_verdict_check
    check (safety_verdict in ('pass', 'warn', 'fail', 'pending'));

