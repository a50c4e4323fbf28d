-- Nexmark q7: highest bid. The bids with the highest price of each 10 s
-- tumbling window (a TUMBLE aggregate joined back to the bids).
-- Source, views and query as in nexmark-flink's queries folder; the views read
-- ROW fields as (bid).auction where Flink writes bid.auction (see bench/nexmark/README.md).
-- sluice: needs a join of the bids with a TUMBLE window aggregate (joins are not supported yet); the aggregate alone runs.

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
