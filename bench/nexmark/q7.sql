-- Nexmark q7: highest bid. The bids with the highest price of each 10 s
-- tumbling window (a TUMBLE aggregate joined back to the bids).
-- The query as in nexmark-flink's queries folder, after the source and views
-- of ddl.sql (sluice bench nexmark runs that first).
-- sluice: runs (a regular streaming join of the bids with the TUMBLE aggregate, the BETWEEN as a non-equi condition).

CREATE TABLE nexmark_q7 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    `dateTime` TIMESTAMP(3),
    extra VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q7
SELECT B.auction, B.price, B.bidder, B.`dateTime`, B.extra
FROM bid B
JOIN (
    SELECT MAX(price) AS maxprice, window_end AS `dateTime`
    FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
    GROUP BY window_start, window_end
) B1
ON B.price = B1.maxprice
WHERE B.`dateTime` BETWEEN B1.`dateTime` - INTERVAL '10' SECOND AND B1.`dateTime`;
