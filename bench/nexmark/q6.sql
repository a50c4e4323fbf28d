-- Nexmark q6: average selling price by seller, over each seller's last 10
-- closed auctions (the winning bid of each auction, and the 10 before it
-- by the winning bid's dateTime).
-- The query of nexmark-flink's queries folder, after the source and views
-- of ddl.sql (sluice bench nexmark runs that first), rewritten minimally
-- into valid SQL: there the WHERE rownum <= 1 sits in the SELECT that
-- defines rownum (Flink 2.3: "Column 'rownum' not found in any table"), and
-- that SELECT partitions by A.id, A.seller, names of the join below it.
-- Here the Top-1 (the highest bid of each auction, first arrived among
-- equal prices) is a SELECT of its own, filtered by the one around it, and
-- partitions by the join's columns id, seller: the same rows. The sink's
-- seller is BIGINT, the auction's seller type (nexmark-flink declares
-- VARCHAR, which the INSERT cannot write without a CAST).
-- sluice: runs; Flink 2.3 refuses this form ("Non-time attribute sort is not supported for bounded OVER window": dateTime is no time attribute after the regular join, and its OVER does not consume the Top-1's retractions, FLINK-19059). Sluice's OVER over an updating input (retract=[true]) keeps each seller's winning bids ordered by dateTime and re-emits the averages that change.

CREATE TABLE nexmark_q6 (
    seller BIGINT,
    avg_price BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q6
SELECT
    Q.seller,
    AVG(Q.price) OVER (PARTITION BY Q.seller ORDER BY Q.`dateTime` ROWS BETWEEN 10 PRECEDING AND CURRENT ROW)
FROM (
    SELECT *
    FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY id, seller ORDER BY price DESC) AS rownum
        FROM (
            SELECT A.id, A.seller, B.price, B.`dateTime`
            FROM auction AS A, bid AS B
            WHERE A.id = B.auction AND B.`dateTime` BETWEEN A.`dateTime` AND A.expires
        )
    )
    WHERE rownum <= 1
) AS Q;
