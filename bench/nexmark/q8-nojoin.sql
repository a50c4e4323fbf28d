-- Nexmark q8 without its join (Sluice's variant, not in Nexmark): the two
-- 10 s tumbling window aggregates of q8 — new persons per window and sellers
-- per window — into one sink by UNION ALL instead of joined, so that the
-- window work of q8 is measured before joins exist. Not comparable with
-- Flink's q8 figure (which includes the join); the bench prints none.
-- Source and views as in nexmark-flink's queries folder; the views read
-- ROW fields as (bid).auction where Flink writes bid.auction (see bench/nexmark/README.md).
-- sluice: runs.

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

CREATE TABLE nexmark_q8_nojoin (
    id BIGINT,
    name VARCHAR,
    stime TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q8_nojoin
SELECT id, name, window_start AS starttime
FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
GROUP BY id, name, window_start, window_end
UNION ALL
SELECT seller, CAST(NULL AS VARCHAR), window_start AS starttime
FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(`dateTime`), INTERVAL '10' SECOND))
GROUP BY seller, window_start, window_end;
