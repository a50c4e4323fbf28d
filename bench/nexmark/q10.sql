-- Nexmark q10: log to a file system. Every bid into CSV files partitioned by
-- day and minute, partitions committed by partition time. `sluice bench
-- nexmark` writes under a temporary directory in place of the path below.
-- Source, views and query as in nexmark-flink's queries folder; the views read
-- ROW fields as (bid).auction where Flink writes bid.auction (see bench/nexmark/README.md).
-- sluice: needs the filesystem sink's partition commit (sink.partition-commit.*, partition.time-extractor.*).

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

CREATE TABLE nexmark_q10 (
    auction BIGINT,
    bidder BIGINT,
    price BIGINT,
    `dateTime` TIMESTAMP(3),
    extra VARCHAR,
    dt STRING,
    hm STRING
) PARTITIONED BY (dt, hm) WITH (
    'connector' = 'filesystem',
    'path' = 'file:///tmp/sluice-nexmark/q10/bid/',
    'format' = 'csv',
    'sink.partition-commit.trigger' = 'partition-time',
    'sink.partition-commit.delay' = '1 min',
    'sink.partition-commit.policy.kind' = 'success-file',
    'partition.time-extractor.timestamp-pattern' = '$dt $hm:00',
    'sink.rolling-policy.rollover-interval' = '1min',
    'sink.rolling-policy.check-interval' = '1min'
);

INSERT INTO nexmark_q10
SELECT auction, bidder, price, `dateTime`, extra,
    DATE_FORMAT(`dateTime`, 'yyyy-MM-dd'), DATE_FORMAT(`dateTime`, 'HH:mm')
FROM bid;
