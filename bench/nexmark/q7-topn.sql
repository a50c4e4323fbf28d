-- Nexmark q7 as a window Top-N (Sluice's variant, not in Nexmark): the bids
-- with the highest price of each 10 s tumbling window, as ROW_NUMBER() <= 1
-- over the TUMBLE table function instead of the window aggregate joined back
-- to the bids (window Top-N takes ROW_NUMBER only, as Flink's). The rows of
-- q7 but one per window where bids tie, and none twice for a bid exactly on
-- a window's end (q7's BETWEEN includes it in the earlier window too); the
-- work differs from Flink's plan of q7, so its ratio to Flink's q7 figure is
-- indicative only.
-- Source and views as in nexmark-flink's queries folder (see bench/nexmark/README.md).
-- sluice: runs.

CREATE TABLE nexmark_q7_topn (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    `dateTime` TIMESTAMP(3),
    extra VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q7_topn
SELECT auction, bidder, price, `dateTime`, extra
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rk
    FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
)
WHERE rk <= 1;
