-- Nexmark q5 as a window Top-N (Sluice's variant, not in Nexmark): the
-- auction with the most bids in each 10 s window sliding by 2 s, as
-- ROW_NUMBER() <= 1 over the HOP window aggregate instead of the aggregate
-- joined to its own maximum (window Top-N takes ROW_NUMBER only, as
-- Flink's). The rows of q5 but one per window where auctions tie; the work
-- differs from Flink's plan of q5 (a window Top-N instead of a second
-- aggregate and a join), so its ratio to Flink's q5 figure is indicative
-- only.
-- Source and views as in nexmark-flink's queries folder (see bench/nexmark/README.md).
-- sluice: runs.

CREATE TABLE nexmark_q5_topn (
    auction BIGINT,
    num BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q5_topn
SELECT auction, num
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY num DESC) AS rk
    FROM (
        SELECT auction, COUNT(*) AS num, window_start, window_end
        FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
        GROUP BY auction, window_start, window_end
    )
)
WHERE rk <= 1;
