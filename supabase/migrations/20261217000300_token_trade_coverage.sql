-- Issue 14 item 8: a profile reads only the windows of a token's trades it needs, not the
-- whole history. `covered` is the block-time ranges of the token's history that were read in
-- full (half-open [from, to); a null lower bound = from the token's first transaction), so a
-- later profile or the discovery step reads only what is missing and never takes a gap
-- between two windows for read. Reads add to it with a multirange union, so two profiles
-- reading different windows of one token at once both keep theirs.
alter table public.token_trade_syncs
    add column if not exists covered tstzmultirange not null default '{}';

-- A sync from before: a read that no cap cut held everything up to its time.
update public.token_trade_syncs
set covered = tstzmultirange(tstzrange(null, fetched_at, '[)'))
where not partial and covered = '{}';
