-- Allocation-heavy SQL for tests/real/sqlite.sh: every result is ordered,
-- so the output is the same bytes under any correct malloc.
PRAGMA cache_size = -2000;
PRAGMA synchronous = OFF;
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, price REAL, payload BLOB);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120000)
INSERT INTO item SELECT i, 'item-' || (i * 7919 % 100003), i % 97, (i * 31 % 1000) / 10.0,
                        zeroblob(i % 300) FROM n;
CREATE INDEX item_name ON item(name);
CREATE INDEX item_grp ON item(grp, price);
CREATE TABLE grp(id INTEGER PRIMARY KEY, label TEXT);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 96)
INSERT INTO grp SELECT i, printf('group %03d %s', i, substr('abcdefghijklmnopqrstuvwxyz', i % 26 + 1, 5)) FROM n;

SELECT count(*), sum(length(payload)), round(sum(price), 2) FROM item;
SELECT g.label, count(*), round(avg(i.price), 3), max(i.name)
  FROM item i JOIN grp g ON g.id = i.grp GROUP BY g.id ORDER BY g.id LIMIT 20;
SELECT name, count(*) c FROM item GROUP BY name HAVING c > 1 ORDER BY c DESC, name LIMIT 10;
SELECT group_concat(id, ',') FROM (SELECT id FROM item WHERE name LIKE 'item-99%' ORDER BY id);

UPDATE item SET name = upper(name) || '-' || hex(substr(payload, 1, 4)) WHERE id % 3 = 0;
DELETE FROM item WHERE id % 5 = 0;
SELECT count(*), min(name), max(name) FROM item;

SELECT json_group_array(json_object('id', id, 'name', name, 'p', price))
  FROM (SELECT * FROM item ORDER BY price DESC, id LIMIT 25);
SELECT sum(json_extract(value, '$.p')) FROM json_each(
  (SELECT json_group_array(json_object('p', price)) FROM item WHERE grp = 5));

WITH RECURSIVE fib(a, b, k) AS (SELECT 0, 1, 0 UNION ALL SELECT b, a + b, k + 1 FROM fib WHERE k < 80)
SELECT group_concat(a, ' ') FROM fib;
SELECT length(group_concat(name, '')) FROM (SELECT name FROM item ORDER BY name);
CREATE TEMP TABLE sorted AS SELECT name, grp FROM item ORDER BY name DESC;
SELECT name, grp FROM sorted WHERE rowid % 9000 = 1 ORDER BY rowid;
VACUUM;
SELECT count(*) FROM item;
