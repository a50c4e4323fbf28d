-- Nexmark q17 with its FILTER clauses written as CASE (Sluice's variant, not in
-- Nexmark): COUNT(*) FILTER (WHERE p) as COUNT(CASE WHEN p THEN 1 END) and
-- COUNT(DISTINCT x) FILTER (WHERE p) as COUNT(DISTINCT CASE WHEN p THEN x END),
-- the same results (NULLs are not counted), so that q17 has a figure before
-- FILTER exists. The bench compares it with Flink's q17 figure: the work is q17's.
-- Source and views as in nexmark-flink's queries folder; the views read
-- ROW fields as (bid).auction where Flink writes bid.auction (see bench/nexmark/README.md).
-- sluice: runs.

CREATE TABLE nexmark_q17_nofilter (
    auction BIGINT,
    `day` VARCHAR,
    total_bids BIGINT,
    rank1_bids BIGINT,
    rank2_bids BIGINT,
    rank3_bids BIGINT,
    min_price BIGINT,
    max_price BIGINT,
    avg_price BIGINT,
    sum_price BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q17_nofilter
SELECT
    auction,
    DATE_FORMAT(`dateTime`, 'yyyy-MM-dd') AS `day`,
    COUNT(*) AS total_bids,
    COUNT(CASE WHEN price < 10000 THEN 1 END) AS rank1_bids,
    COUNT(CASE WHEN price >= 10000 AND price < 1000000 THEN 1 END) AS rank2_bids,
    COUNT(CASE WHEN price >= 1000000 THEN 1 END) AS rank3_bids,
    MIN(price) AS min_price,
    MAX(price) AS max_price,
    AVG(price) AS avg_price,
    SUM(price) AS sum_price
FROM bid
GROUP BY auction, DATE_FORMAT(`dateTime`, 'yyyy-MM-dd');
