-- No seed rows: every step setting falls back to its typed defaults until first saved.
select 1;
