-- Supabase's API roles (anon, authenticated) read and write rows, and row-level security decides
-- which; they have no business emptying, locking or altering tables. Supabase's default grant
-- ("grant all on tables") also gave them TRUNCATE (which RLS does not filter: `set role anon;
-- truncate public.swaps cascade` emptied it), TRIGGER, REFERENCES and, from PostgreSQL 17,
-- MAINTAIN (LOCK TABLE, VACUUM, REINDEX). Taken back from every table, and from the defaults so
-- tables created later by the same role do not grant them again.
revoke truncate, trigger, references on all tables in schema public from anon, authenticated;
alter default privileges in schema public
    revoke truncate, trigger, references on tables from anon, authenticated;
alter default privileges
    revoke truncate, trigger, references on tables from anon, authenticated;

do $$
begin
    if current_setting('server_version_num')::int >= 170000 then
        execute 'revoke maintain on all tables in schema public from anon, authenticated';
        execute 'alter default privileges in schema public'
                ' revoke maintain on tables from anon, authenticated';
        execute 'alter default privileges revoke maintain on tables from anon, authenticated';
    end if;
end
$$;
