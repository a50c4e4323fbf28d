-- Nexmark q6: average selling price by seller, over each seller's last 10
-- closed auctions. Flink does not run it either (its OVER aggregate does
-- not consume the retractions of the Top-1 below it: FLINK-19059); kept for
-- completeness.
-- The query as in nexmark-flink's queries folder, after the source and views
-- of ddl.sql (sluice bench nexmark runs that first).
-- sluice: does not run, as in Flink 2.3 (both refuse it with the same messages): as written, rownum is read by the WHERE of the SELECT that defines it ("column rownum not found"; Flink: Column 'rownum' not found in any table); with the Top-1 in a SELECT of its own, dateTime is no time attribute after the regular join ("Non-time attribute sort is not supported for bounded OVER window"). An OVER over the Top-1's updates (FLINK-19059) is not built.

CREATE TABLE nexmark_q6 (
    seller VARCHAR,
    avg_price BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q6
SELECT
    Q.seller,
    AVG(Q.price) OVER (PARTITION BY Q.seller ORDER BY Q.`dateTime` ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY A.id, A.seller ORDER BY B.price DESC) AS rownum
    FROM (
        SELECT A.id, A.seller, B.price, B.`dateTime`
        FROM auction AS A, bid AS B
        WHERE A.id = B.auction AND B.`dateTime` BETWEEN A.`dateTime` AND A.expires
    )
    WHERE rownum <= 1
) AS Q;
