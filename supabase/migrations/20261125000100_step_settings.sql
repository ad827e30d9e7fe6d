-- Typed, versioned per-step settings. Every PUT writes a new version; the current value of a
-- step is its highest version. Old versions stay for audit and rollback.
create table if not exists public.step_settings (
    step        text        not null check (step ~ '^[a-z][a-z0-9_]{1,62}$'),
    version     integer     not null check (version > 0),
    "values"    jsonb       not null,
    created_at  timestamptz not null default now(),
    created_by  text,
    primary key (step, version)
);

alter table public.step_settings enable row level security;

comment on table public.step_settings is
    'Per-step business settings (pydantic models in walltrack.data.models.step_settings), versioned.';
