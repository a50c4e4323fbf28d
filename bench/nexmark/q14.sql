-- Nexmark q14: calculation. Bids in a price range, classified by the hour of
-- their time, with a user-defined function. Nexmark's count_char is a Java
-- function (CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar');
-- `sluice bench nexmark` registers count_char as a Python row UDF instead:
--     def count_char(s, c): return 0 if s is None else s.count(c[0])
-- Source, views and query as in nexmark-flink's queries folder; the views read
-- ROW fields as (bid).auction where Flink writes bid.auction (see bench/nexmark/README.md).
-- sluice: runs with count_char registered as a Python row UDF (sluice bench nexmark does it).

CREATE TABLE datagen (
    event_type INT,
    person ROW<
        id BIGINT,
        name VARCHAR,
        emailAddress VARCHAR,
        creditCard VARCHAR,
        city VARCHAR,
        state VARCHAR,
        `dateTime` TIMESTAMP(3),
        extra VARCHAR>,
    auction ROW<
        id BIGINT,
        itemName VARCHAR,
        description VARCHAR,
        initialBid BIGINT,
        reserve BIGINT,
        `dateTime` TIMESTAMP(3),
        expires TIMESTAMP(3),
        seller BIGINT,
        category BIGINT,
        extra VARCHAR>,
    bid ROW<
        auction BIGINT,
        bidder BIGINT,
        price BIGINT,
        channel VARCHAR,
        url VARCHAR,
        `dateTime` TIMESTAMP(3),
        extra VARCHAR>,
    `dateTime` AS
        CASE
            WHEN event_type = 0 THEN (person).`dateTime`
            WHEN event_type = 1 THEN (auction).`dateTime`
            ELSE (bid).`dateTime`
        END,
    WATERMARK FOR `dateTime` AS `dateTime` - INTERVAL '4' SECOND
) WITH (
    'connector' = 'nexmark',
    'first-event.rate' = '10000000',
    'next-event.rate' = '10000000',
    'events.num' = '10000000',
    'person.proportion' = '1',
    'auction.proportion' = '3',
    'bid.proportion' = '46'
);

CREATE VIEW person AS
SELECT
    (person).id,
    (person).name,
    (person).emailAddress,
    (person).creditCard,
    (person).city,
    (person).state,
    `dateTime`,
    (person).extra
FROM datagen WHERE event_type = 0;

CREATE VIEW auction AS
SELECT
    (auction).id,
    (auction).itemName,
    (auction).description,
    (auction).initialBid,
    (auction).reserve,
    `dateTime`,
    (auction).expires,
    (auction).seller,
    (auction).category,
    (auction).extra
FROM datagen WHERE event_type = 1;

CREATE VIEW bid AS
SELECT
    (bid).auction,
    (bid).bidder,
    (bid).price,
    (bid).channel,
    (bid).url,
    `dateTime`,
    (bid).extra
FROM datagen WHERE event_type = 2;

CREATE TABLE nexmark_q14 (
    auction BIGINT,
    bidder BIGINT,
    price DECIMAL(23, 3),
    bidTimeType VARCHAR,
    `dateTime` TIMESTAMP(3),
    extra VARCHAR,
    c_counts BIGINT
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q14
SELECT
    auction,
    bidder,
    0.908 * price AS price,
    CASE
        WHEN HOUR(`dateTime`) >= 8 AND HOUR(`dateTime`) <= 18 THEN 'dayTime'
        WHEN HOUR(`dateTime`) <= 6 OR HOUR(`dateTime`) >= 20 THEN 'nightTime'
        ELSE 'otherTime'
    END AS bidTimeType,
    `dateTime`,
    extra,
    count_char(extra, 'c') AS c_counts
FROM bid
WHERE 0.908 * price > 1000000 AND 0.908 * price < 50000000;
