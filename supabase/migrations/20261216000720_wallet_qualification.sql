-- Issue 14 item 6: a ranking a user can trust at a glance.
-- qualification: why the wallet is or is not qualified (the checks that failed, or those it
-- passed); score_edge: the copy edge the score reads (each copied buy capped at the settings'
-- copy_gain_cap), beside copy_edge (pooled, uncapped).
alter table public.wallets
    add column if not exists qualification text[] not null default '{}',
    add column if not exists score_edge numeric;

-- Wallets profiled before: the score's edge from their latest profile, and a bot-flagged wallet
-- is no longer qualified (it used to be when it had enough trades). The other checks apply
-- from their next profile on.
update public.wallets w
set score_edge = (latest.profile -> 'copyability' ->> 'capped_edge')::numeric
from (
    select distinct on (wallet) wallet, profile
    from public.wallet_profiles
    order by wallet, profiled_at desc
) latest
where latest.wallet = w.address and w.score_edge is null;

update public.wallets
set qualified = false,
    qualification = array(select 'bot: ' || flag from unnest(bot_flags) as flag)
where is_bot and qualified;

update public.wallets
set qualification = array[trades || ' trades: under the minimum']
where qualified is false and not is_bot and qualification = '{}';
