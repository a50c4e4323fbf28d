-- Nexmark q18: last bid. Each bidder's latest bid on each auction
-- (deduplication keeping the last row by event time).
-- The query as in nexmark-flink's queries folder, after the source and views
-- of ddl.sql (sluice bench nexmark runs that first).
-- sluice: runs.

CREATE TABLE nexmark_q18 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    channel VARCHAR,
    url VARCHAR,
    `dateTime` TIMESTAMP(3),
    extra VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q18
SELECT auction, bidder, price, channel, url, `dateTime`, extra
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY `dateTime` DESC) AS rank_number
    FROM bid
)
WHERE rank_number <= 1;
