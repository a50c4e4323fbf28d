-- Nexmark q5: hot items. The auctions with the most bids in each 10 s
-- window sliding by 2 s (HOP window aggregates, joined to their maximum).
-- The query as in nexmark-flink's queries folder, after the source and views
-- of ddl.sql (sluice bench nexmark runs that first).
-- sluice: runs, with Flink's rows, but not Flink's plan: the maximum per window is a GroupAggregate over the window aggregate and the join a regular one (the >= its non-equi condition), where Flink 2.3 cascades the window aggregate (GROUP BY window_start, window_end of a window aggregate) and plans a WindowJoin.

CREATE TABLE nexmark_q5 (
    auction BIGINT,
    num BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q5
SELECT AuctionBids.auction, AuctionBids.num
FROM (
    SELECT auction, COUNT(*) AS num, window_start AS starttime, window_end AS endtime
    FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
    GROUP BY auction, window_start, window_end
) AS AuctionBids
JOIN (
    SELECT MAX(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
    FROM (
        SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime
        FROM TABLE(HOP(TABLE bid, DESCRIPTOR(`dateTime`), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
        GROUP BY auction, window_start, window_end
    ) AS CountBids
    GROUP BY CountBids.starttime, CountBids.endtime
) AS MaxBids
ON AuctionBids.starttime = MaxBids.starttime
    AND AuctionBids.endtime = MaxBids.endtime
    AND AuctionBids.num >= MaxBids.maxn;
