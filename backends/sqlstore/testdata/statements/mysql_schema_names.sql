-- get
SELECT `v` FROM `app`.`kv` WHERE `k` = ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- exists
SELECT 1 FROM `app`.`kv` WHERE `k` = ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- set
INSERT INTO `app`.`kv` (`k`, `v`, `exp`, `version`) VALUES (?, ?, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) + ?, CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`), `exp` = VALUES(`exp`), `version` = COALESCE(`version`, 0) + 1;
-- delete
DELETE FROM `app`.`kv` WHERE `k` = ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- clear
DELETE FROM `app`.`kv`;
-- cleanup
DELETE FROM `app`.`kv` WHERE `exp` <= (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) LIMIT 1000;
-- entry
SELECT `v`, `exp`, COALESCE(`version`, 0) FROM `app`.`kv` WHERE `k` = ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- ttl
SELECT `exp`, (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) FROM `app`.`kv` WHERE `k` = ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- count
SELECT count(*) FROM `app`.`kv` WHERE (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- list
SELECT `k`, `v`, `exp`, COALESCE(`version`, 0) FROM `app`.`kv` WHERE `k` >= ? AND `k` > ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)) ORDER BY `k` LIMIT ?;
-- listTo
SELECT `k`, `v`, `exp`, COALESCE(`version`, 0) FROM `app`.`kv` WHERE `k` >= ? AND `k` > ? AND `k` < ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000)) ORDER BY `k` LIMIT ?;
-- putIfVersion
UPDATE `app`.`kv` SET `v` = ?, `exp` = (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000) + ?, `version` = COALESCE(`version`, 0) + 1 WHERE `k` = ? AND `version` = ? AND (`exp` IS NULL OR `exp` > (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000));
-- lock
SELECT (TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6)) DIV 1000), `app`.`kv`.`k` IS NOT NULL, `app`.`kv`.`v`, `app`.`kv`.`exp`, COALESCE(`app`.`kv`.`version`, 0) FROM (SELECT 1) AS luahost_one LEFT JOIN `app`.`kv` ON `app`.`kv`.`k` = ? FOR UPDATE;
-- update
UPDATE `app`.`kv` SET `v` = ?, `exp` = ?, `version` = COALESCE(`version`, 0) + 1 WHERE `k` = ?;
-- touch
UPDATE `app`.`kv` SET `exp` = ?, `version` = COALESCE(`version`, 0) + 1 WHERE `k` = ?;
-- insert
INSERT INTO `app`.`kv` (`k`, `v`, `exp`, `version`) VALUES (?, ?, ?, CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED));
