-- Nexmark q6: average selling price by seller, over each seller's last 10
-- closed auctions. Flink does not run it either (its OVER aggregate does
-- not consume the retractions of the Top-1 below it: FLINK-19059); kept for
-- completeness.
-- Source, views and query as in nexmark-flink's queries folder; the views read
-- ROW fields as (bid).auction where Flink writes bid.auction (see bench/nexmark/README.md).
-- sluice: needs a join, Top-1 and an OVER aggregate consuming retractions; Flink does not run it either (FLINK-19059).

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
