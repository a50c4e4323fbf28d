-- Nexmark q4: average price per category. The average winning bid of the
-- auctions of each category (join, then two aggregations).
-- The query as in nexmark-flink's queries folder, after the source and views
-- of ddl.sql (sluice bench nexmark runs that first).
-- sluice: runs (a regular streaming join with the BETWEEN as a non-equi condition, then two aggregates, the second over updates).

CREATE TABLE nexmark_q4 (
    id BIGINT,
    final BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q4
SELECT Q.category, AVG(Q.final)
FROM (
    SELECT MAX(B.price) AS final, A.category
    FROM auction A, bid B
    WHERE A.id = B.auction AND B.`dateTime` BETWEEN A.`dateTime` AND A.expires
    GROUP BY A.id, A.category
) Q
GROUP BY Q.category;
