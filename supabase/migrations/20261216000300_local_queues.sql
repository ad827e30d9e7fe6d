-- The LOCAL runtime's queues (`walltrack run`): template.yaml's SQS queues kept in Postgres so
-- messages sent, and messages received but not yet deleted, survive a restart as they survive a
-- consumer's restart in SQS. Production uses SQS and never writes here; on Supabase the table
-- stays empty, with row-level security on, no policy, and no right at all for the API roles.
create table if not exists public.local_queue_messages (
    seq                bigint      generated always as identity primary key,  -- send order
    queue_id           text        not null,  -- the queue's logical id in template.yaml
    message_id         uuid        not null unique,
    body               text        not null,
    sent_at            timestamptz not null,
    visible_at         timestamptz not null,  -- hidden until then (DelaySeconds, in flight)
    receive_count      integer     not null default 0 check (receive_count >= 0),
    first_received_at  timestamptz,
    receipt_handle     text        unique      -- of the latest receive; null until received
);
-- receive: the visible messages of one queue, oldest first
create index if not exists local_queue_messages_visible
    on public.local_queue_messages (queue_id, visible_at, seq);
alter table public.local_queue_messages enable row level security;
revoke all on public.local_queue_messages from anon, authenticated;
