-- Nexmark q8 without its join (Sluice's variant, not in Nexmark): the two
-- 10 s tumbling window aggregates of q8 — new persons per window and sellers
-- per window — into one sink by UNION ALL instead of joined, so that the
-- window work of q8 is measured before joins exist. Not comparable with
-- Flink's q8 figure (which includes the join); the bench prints none.
-- Source and views as in nexmark-flink's queries folder; the views read
-- ROW fields as (bid).auction where Flink writes bid.auction (see bench/nexmark/README.md).
-- sluice: runs.

CREATE TABLE nexmark_q8_nojoin (
    id BIGINT,
    name VARCHAR,
    stime TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q8_nojoin
SELECT id, name, window_start AS starttime
FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
GROUP BY id, name, window_start, window_end
UNION ALL
SELECT seller, CAST(NULL AS VARCHAR), window_start AS starttime
FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
GROUP BY seller, window_start, window_end;
