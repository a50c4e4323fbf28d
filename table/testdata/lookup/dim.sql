-- The dimension tables of table/testdata/sql/lookupjoin.test. dim.db is
-- built from this file: rm -f dim.db && sqlite3 dim.db < dim.sql
-- (or python3 -c "import sqlite3; sqlite3.connect('dim.db').executescript(open('dim.sql').read())").
CREATE TABLE province (name TEXT PRIMARY KEY, region TEXT NOT NULL, population BIGINT);
INSERT INTO province VALUES ('Beijing', 'North', 21893095), ('Shanghai', 'East', 24870895),
  ('Guangdong', 'South', 126012510), ('Sichuan', 'West', 83674866), ('Hubei', 'Central', NULL);
CREATE TABLE rate (currency TEXT, kind TEXT, rate DECIMAL(10, 4), PRIMARY KEY (currency, kind));
INSERT INTO rate VALUES ('EUR', 'buy', '1.0850'), ('EUR', 'sell', '1.0790'), ('USD', 'buy', '1.0000'),
  ('USD', 'sell', '1.0000'), ('JPY', 'buy', '0.0067');
CREATE TABLE tag (id INT, tag TEXT);
INSERT INTO tag VALUES (1, 'a'), (1, 'b'), (2, 'c'), (3, NULL);
