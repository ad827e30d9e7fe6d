-- "tape" named three things in the code; this table holds how far each token's public trades
-- were read from Helius (when, up to which signature, how many, whether a cap cut them).
alter table if exists public.token_tapes rename to token_trade_syncs;
alter index if exists public.token_tapes_pkey rename to token_trade_syncs_pkey;
