-- Nexmark q13: bounded side input join. Bids enriched from a file by a
-- processing-time lookup join. `sluice bench nexmark` writes the side input
-- (keys 0…9999, as Nexmark's side_input_gen.sh) in place of the path below.
-- The query as in nexmark-flink's queries folder, after the source and views
-- of ddl.sql (sluice bench nexmark runs that first).
-- sluice: runs (a processing-time lookup join; the filesystem connector reads the whole file per subtask, as Flink's FileSystemLookupFunction).

CREATE TABLE side_input (
    key BIGINT,
    `value` VARCHAR
) WITH (
    'connector.type' = 'filesystem',
    'connector.path' = 'file:///tmp/sluice-nexmark/side_input.txt',
    'format.type' = 'csv'
);

CREATE TABLE nexmark_q13 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    `dateTime` TIMESTAMP(3),
    `value` VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q13
SELECT B.auction, B.bidder, B.price, B.`dateTime`, S.`value`
FROM (SELECT *, PROCTIME() AS p_time FROM bid) B
JOIN side_input FOR SYSTEM_TIME AS OF B.p_time AS S
ON MOD(B.auction, 10000) = S.key;
